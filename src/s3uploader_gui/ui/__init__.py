"""Qt widgets, models, dialogs and the workers that call the core."""
