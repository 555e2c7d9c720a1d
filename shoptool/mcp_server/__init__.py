"""`shoptool mcp`: the checks as Model Context Protocol tools for LLM agents (PRODUCT §22).

The second face over the same jobs the command line runs. Its parts, each with one job:

- `params.py`   — the JSON Schema of a tool's arguments, built from a few kinds of parameter;
- `registry.py` — the table of tools: name → job call, arguments, access, hints. Adding a tool
                  for a new job is one entry there;
- `guards.py`   — what a tool may do here: a caller's staff id, the import inbox, `[mcp] allow_send`,
                  the audit rows, and the last net that masks mobile numbers in free text;
- `calls.py`    — one call: settings as a command line run reads them, the arguments checked, the
                  job run, its Result turned into the JSON document of PRODUCT §15 (or an error);
- `server.py`   — the official `mcp` SDK over stdio. The only module that imports the SDK, and
                  only `shoptool mcp` imports it, so `shoptool --help` and cron never load it.

Nothing here imports `cli/` or prints: stdout belongs to the protocol.
"""
