"""Meadow's event gateway: HTTP requests in, Inngest events out."""
