"""The finance provider: wire types and errors, the httpx client, the simulator."""
