"""pytest fixtures: nodes and an ohm-devchain that are always stopped and
cleaned up, and whose clean exit (no sanitizer report, exit code 0) is part
of every test."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from devchain import DevChain  # noqa: E402
from ohmtest import OhmNode, assert_clean_exit, OHMD  # noqa: E402


def pytest_sessionstart(session):
    if not os.access(OHMD, os.X_OK):
        pytest.exit("ohmd not found at {} (set OHM_BUILD to a build directory)".format(OHMD), 2)


class NodeFactory:
    def __init__(self):
        self.nodes = []

    def new(self, name=None, start=True, **kwargs):
        node = OhmNode(name or "node{}".format(len(self.nodes) + 1), **kwargs)
        self.nodes.append(node)
        if start:
            node.start()
        return node

    def finish(self):
        problems = []
        for node in self.nodes:
            try:
                if node.proc and node.proc.poll() is None:
                    assert_clean_exit(node, node.stop())
                elif node.proc and node.proc.returncode not in (0, None, -9):
                    log = node.log()
                    if "Sanitizer" in log or "runtime error" in log:
                        problems.append("{}: {}".format(node.name, log[-3000:]))
            except AssertionError as e:
                problems.append("{}: {}".format(node.name, e))
            finally:
                node.cleanup()
        assert not problems, "\n".join(problems)


@pytest.fixture
def node_factory():
    factory = NodeFactory()
    yield factory
    factory.finish()


@pytest.fixture
def node(node_factory):
    return node_factory.new()


@pytest.fixture
def devchain():
    """A running ohm-devchain on its own datadir and port."""
    chain = DevChain()
    try:
        chain.start()
        yield chain
        assert_clean_exit(chain, chain.stop())
    finally:
        chain.cleanup()
