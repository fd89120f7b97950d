"""Training plans (kế hoạch bồi dưỡng): audiences by rule, assignments with due dates and cycles,
exemptions, reminders by notification and e-mail. See docs/plans-and-reminders.md."""
