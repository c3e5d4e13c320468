"""dealer-warnings: early warnings for channel sales teams."""
