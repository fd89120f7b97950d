"""Courses of short modules split by sector track: versions, authoring, packages, the learner's side."""
