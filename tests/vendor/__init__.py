"""The client as other repositories vendor or install it."""
