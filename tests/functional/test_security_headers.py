"""The Content-Security-Policy leaves no script, base, plugin or socket to another origin."""


def policy(client) -> dict[str, str]:
    header = client.get("/").headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def test_the_policy_closes_base_plugins_and_foreign_sockets(client):
    directives = policy(client)
    assert directives["base-uri"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["connect-src"] == "'self'", "no ws: or wss: to any host"
    assert directives["script-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
