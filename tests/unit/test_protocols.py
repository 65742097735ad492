"""The page–model contract: every shipped model satisfies exactly the protocols of what it can do, and what it
declares works (what it does not declare, its class refuses with a ValueError)."""

import typing

import numpy as np
import pytest
import torch
from PIL import Image

from models import protocols, registry
from models.data.dates import alphabet
from models.live import quick_train
from models.results import (
    AerialCheck,
    AttentionPermutation,
    AttentionStep,
    Erasure,
    ForcedAttention,
    TransformerAttention,
    WordDeletion,
)
from models.seq2seq import Seq2Seq, Seq2SeqConfig
from models.vocab import Vocab

P = protocols
KINDS = {P.TextModel, P.ImageModel, P.TextClassifier}  # what a model is: its methods alone decide
CAPABILITIES = {
    P.ForcedText,
    P.TextSearch,
    P.StepExplainer,
    P.TransformerMaps,
    P.ForcedMap,
    P.ImageSearch,
    P.DeletionTest,
    P.Familiarity,
    P.PermutationTest,
    P.ErasureTest,
}
SHIPPED = [e.name for e in registry.catalog(directory=registry.ASSETS_DIR)]


def expected(card) -> set[type] | None:
    """What a shipped model can do, from its card alone (the rule the pages rely on); None for a kind that
    none of these protocols is about (a memory network, a sentence encoder)."""
    if card.kind == "seq2seq":
        return {P.TextModel, P.TextSearch} | ({P.ForcedText, P.StepExplainer} if card.has_attention else set())
    if card.kind == "transformer":
        return {P.TextModel, P.TextSearch, P.TransformerMaps}
    if card.kind == "captioner":
        base = {P.ImageModel, P.ForcedMap, P.ImageSearch, P.DeletionTest}
        return base | ({P.Familiarity} if card.familiarity is not None else set())
    if card.kind == "classifier":
        return {P.TextClassifier, P.ErasureTest} | ({P.PermutationTest} if card.has_attention else set())
    return None


@pytest.fixture(scope="module")
def shipped():
    return {name: registry.load_checkpoint(name, device="cpu") for name in SHIPPED}


def satisfied(model) -> set[type]:
    return {p for p in KINDS | CAPABILITIES if isinstance(model, p)}


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_model_satisfies_exactly_the_protocols_it_can_do(shipped, name):
    checkpoint = shipped[name]
    can = expected(checkpoint.model_card)
    declared = frozenset(getattr(checkpoint.model, "capabilities", ()))
    assert protocols.capabilities_of(checkpoint.model) == declared  # it has the methods of all it declares
    if can is None:  # another kind of model: none of these capabilities unless it declares them
        assert satisfied(checkpoint.model) & CAPABILITIES == declared & CAPABILITIES
        return
    assert satisfied(checkpoint.model) == can
    assert declared == can - KINDS


def test_the_shipped_models_cover_every_protocol(shipped):
    """Each protocol is checked on a shipped model, and each capability that a config can lack on a shipped
    model of that kind which lacks it (a baseline); every shipped captioner keeps a familiarity rule, which /image
    routes pictures by."""
    seen = [satisfied(c.model) for c in shipped.values()]
    assert set().union(*seen) == KINDS | CAPABILITIES
    assert all(P.Familiarity in s for s in seen if P.ImageModel in s)
    lacking = {P.ForcedText: P.TextModel, P.StepExplainer: P.TextModel}
    lacking[P.PermutationTest] = P.TextClassifier
    for capability, kind in lacking.items():
        assert any(kind in s and capability not in s for s in seen), capability.__name__


# ----------------------------------------------------------------------------- what is declared works


def test_text_capabilities_work_where_declared_and_refuse_elsewhere(shipped):
    text = "march 5, 2026"
    for name, checkpoint in shipped.items():
        model = checkpoint.model
        if not isinstance(model, P.TextModel) or checkpoint.model_card.task != "date":
            continue
        n = len(model.tokenize(text))
        force = ForcedAttention(0, np.full(n, 1 / n))
        if isinstance(model, P.ForcedText):
            assert model.decode([text], force=force)[0][0].target, name
        else:
            with pytest.raises(ValueError):
                model.decode([text], force=force)
        if isinstance(model, P.TextSearch):
            assert model.decode([text], beam_width=2, with_tree=True)[0][0].tree is not None, name
        if isinstance(model, P.StepExplainer):
            steps = model.explain(text)
            assert steps and all(isinstance(s, AttentionStep) for s in steps), name
        elif hasattr(model, "explain"):
            with pytest.raises(ValueError):
                model.explain(text)
        if isinstance(model, P.TransformerMaps):
            (maps,) = model.attention_maps([text])
            assert isinstance(maps, TransformerAttention)
            assert maps.output == model.translate([text])[0].output  # the same call under its capability's name


def test_image_capabilities_work_where_declared_and_refuse_elsewhere(shipped):
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 255, (96, 96, 3), dtype=np.uint8))
    for name, checkpoint in shipped.items():
        model = checkpoint.model
        if not isinstance(model, P.ImageModel):
            continue
        assert isinstance(model, P.ForcedMap), name
        side = model.grid
        edit = ForcedAttention(0, np.full((side, side), 1 / side**2))
        edited = model.caption([picture], force=edit)[0][0]
        assert edited.weights.shape[1:] == (side, side)
        np.testing.assert_allclose(edited.weights[0], edit.weights, atol=1e-6)
        if isinstance(model, P.Familiarity):
            (check,) = model.familiarity([picture])
            assert isinstance(check, AerialCheck)
            assert check == model.aerial_check([picture])[0]
        else:
            with pytest.raises(ValueError):
                model.aerial_check([picture])
    shapes = shipped["caption-shapes"].model
    results = shapes.deletion(picture, draws=1, seed=0)
    assert all(isinstance(r, WordDeletion) and r.p_random.shape == (1,) for r in results)


def test_classifier_capabilities_work_where_declared_and_refuse_elsewhere(shipped):
    review = "a wonderful film with a great cast"
    for name, checkpoint in shipped.items():
        model = checkpoint.model
        if not isinstance(model, P.TextClassifier) or checkpoint.model_card.language != "en":
            continue
        assert model.classify([review], attributions=True)[0].labels == model.labels
        assert isinstance(model, P.ErasureTest), name
        assert all(isinstance(e, Erasure) for e in model.erasure(review))
        if isinstance(model, P.PermutationTest):
            assert isinstance(model.permutation_test(review, n=5), AttentionPermutation)
        else:
            with pytest.raises(ValueError):
                model.permutation_test(review, n=5)


# ----------------------------------------------------------------------------- models trained live, and fakes


def _tiny_seq2seq(attention: str) -> Seq2Seq:
    torch.manual_seed(0)
    cfg = Seq2SeqConfig(
        src_vocab=Vocab(alphabet()).tokens,
        tgt_vocab=Vocab(list("0123456789-")).tokens,
        embed_dim=8,
        hidden_dim=8,
        attention_dim=8,
        attention=attention,
        max_target_len=11,
    )
    return Seq2Seq(cfg).eval()


@pytest.mark.parametrize("attention", ["additive", "dot", "none"])
def test_a_seq2seq_of_any_config_declares_what_its_config_can_do(attention):
    model = _tiny_seq2seq(attention)
    can = {P.TextModel, P.TextSearch} | (set() if attention == "none" else {P.ForcedText, P.StepExplainer})
    assert satisfied(model) == can


def test_a_model_trained_live_declares_its_capabilities():
    model, _ = quick_train("date", "none", budget_s=0.5, seed=0, device="cpu")
    assert satisfied(model) == {P.TextModel, P.TextSearch}


class _Explains:
    def explain(self, text: str) -> list[AttentionStep]:
        return []


class _Says(_Explains):
    capabilities = frozenset({P.StepExplainer})


class _SaysOnly:
    capabilities = frozenset({P.StepExplainer})


def test_a_capability_needs_both_the_methods_and_the_declaration():
    assert not isinstance(_Explains(), P.StepExplainer)  # the method alone: not declared
    assert not isinstance(_SaysOnly(), P.StepExplainer)  # the declaration alone: no method
    assert isinstance(_Says(), P.StepExplainer)
    assert protocols.capabilities_of(_SaysOnly()) == frozenset()
    assert protocols.capabilities_of(_Says()) == {P.StepExplainer}


def test_protocol_signatures_use_no_any_and_resolve_to_real_types():
    for name in protocols.__all__:
        protocol = getattr(protocols, name)
        if not isinstance(protocol, type):
            continue
        members = [m for m in vars(protocol).values() if callable(m) or isinstance(m, property)]
        for member in members:
            function = member.fget if isinstance(member, property) else member
            if getattr(function, "__module__", None) != "models.protocols":
                continue
            hints = typing.get_type_hints(function, vars(protocols))
            assert "Any" not in str(function.__annotations__), f"{name}.{function.__name__}"
            assert "return" in hints, f"{name}.{function.__name__} says what it returns"
