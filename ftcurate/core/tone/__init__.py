"""Style profiles of assistant outputs and the house voice they are compared with (see the tone check)."""
