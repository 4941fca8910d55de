"""The benchmark runner's code; tools/bench.py is its command line.

    common      constants, keys, frame sizes, log/die, Ctx
    processes   child processes (Run), logs, telemetry, shell commands
    peers       vpngw's configuration, ipsec-secgw, vpngw-gen, strongSwan
    topologies  memif, pcap and netns cases; profiles and their cases
    report      summary rows, ratios, Markdown, plots
"""
