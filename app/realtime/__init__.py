"""Live updates: socket handlers (`events`) and the emitter services call (`emitter`)."""
