"""The open-standards demonstration lab: real Debian servers (nginx, knot, unbound, postfix,
chrony) configured the ideal way, counterparts with the common mistakes, in a network namespace
`nethealth lab up` creates (docs/lab.md)."""
