"""Each cadre's training record (hồ sơ đào tạo): online courses, in-person classes, external training."""
