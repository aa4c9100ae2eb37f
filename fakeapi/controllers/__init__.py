"""Controllers: the Listener / Notifier / ControllerRunner machinery and the built-in loops."""
