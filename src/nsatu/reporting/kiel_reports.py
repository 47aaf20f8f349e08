"""Reports on the published Ukraine Support Tracker data: donors, monthly, burden sharing."""
