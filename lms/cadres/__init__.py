"""Union cadres: people, their unit memberships and titles over time, and bulk import."""
