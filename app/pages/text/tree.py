"""/text, the Beams tab: the beam search drawn as a tree, from the same search that found the outputs.

Every prefix the search weighed is a node with its log-probability; kept beams, pruned branches and finished
hypotheses are drawn apart. Choosing a node shows its prefix's attention: the weights of the steps that wrote it.
"""

from __future__ import annotations

import streamlit as st

from app.charts import beam_tree
from app.i18n import t
from app.ui import components, links
from models.results import Alignment

NODE = "text_tree_node"


def status_names() -> dict[str, str]:
    return {s: t(f"tree.status_{s}") for s in beam_tree.STYLES}


def describe(tree, index: int, names: dict[str, str], joiner: str = "") -> str:
    """A node as the select box lists it: its step, its prefix (tokens joined by ``joiner``), log p, status."""
    node = tree.nodes[index]
    prefix = joiner.join(beam_tree.node_label(tree.nodes[i].token) for i in tree.path(index))
    return t("tree.node_option", step=node.step, prefix=prefix, logprob=node.logprob, status=names[node.status])


def choose_node(tree, target: list[str], key: str, joiner: str = "", linked: bool = False) -> tuple[int, dict]:
    """The tree's heading and a select box of its nodes, starting at the best finished one; (the node, the
    status names). ``linked``: the node came from a shared link, which gets a notice when it is not in the tree."""
    st.subheader(t("tree.title"))
    st.caption(t("tree.intro"))
    options = list(range(1, len(tree.nodes)))
    if st.session_state.get(key) not in options:
        if key in st.session_state and linked:
            links.ignored_notice(["node"])
        st.session_state[key] = beam_tree.best_finished(tree, target) or options[-1]
    names = status_names()
    node = st.selectbox(t("tree.node_label"), options, key=key, format_func=lambda i: describe(tree, i, names, joiner))
    return node, names


def draw(beams: list[Alignment], given: dict, link) -> None:
    """The tree of ``beams``' search (the best beam carries it), a node to choose, and that prefix's heatmap."""
    tree = beams[0].tree
    if tree is None or len(tree.nodes) < 2:
        return
    node, names = choose_node(tree, beams[0].target, NODE, linked="node" in given)
    link.keep(node=node)
    fig = beam_tree.beam_tree(
        tree,
        selected=node,
        status_names=names,
        hover=t("tree.hover"),
        x_title=t("tree.step_axis"),
    )
    st.plotly_chart(fig, key="text_tree", config={"displaylogo": False}, width="stretch")
    if not beams[0].has_attention:
        st.caption(t("tree.no_attention"))
        return
    prefix = beam_tree.prefix_alignment(tree, node, beams[0].source)
    if prefix is not None:
        components.heatmap_chart(prefix, key="text_tree_prefix", title=t("tree.prefix_title", prefix=prefix.text))
