"""Live checks against the haoee gateway, and the tools that judge what it answers."""
