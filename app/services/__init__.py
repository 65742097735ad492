"""The one door between pages and models/: every call a page makes to a model, and the input checks.

One module per domain, each small; the names pages use are gathered here, so a page writes
``services.decode_text(...)`` whatever module answers it:

    cache        the models (loaded once, shared), the catalog and cards, and ``cached_call``
    runtime      the device, and the warm-up that imports torch in the background
    problems     ``InputProblem``: why an input cannot be used, shown in the reader's language
    text         /text, /math's real model, /transformer: checks, decodes, what-if, beam trees, maps
    uploads      pictures people bring, decoded or refused with a reason
    images       /image: captions, forced maps, the deletion test, familiarity, galleries, the shapes world
    reviews      /classify: labels, attention and Integrated Gradients, permutation and erasure tests
    experiments  /experiments: the bottleneck experiment's results and inputs
    worked       /math: the worked example and the √d_k curve
    live_models  models trained live in class, kept in this session

Nothing here draws except messages (``show_problem``, ``model_or_message``); the ``require_*`` helpers
stop the page after theirs.
"""

# ruff: noqa: F401 -- this module gathers the names pages use
from __future__ import annotations

from app.services.cache import (
    cached_call,
    get_model,
    image_key,
    load_model,
    model_card,
    model_catalog,
    model_error,
    model_or_message,
    operation,
    require_model,
)
from app.services.experiments import (
    SEQUENCE_TASKS,
    attention_kinds,
    experiment_results,
    random_sequence,
    sequence_target,
)
from app.services.images import (
    BACKGROUNDS,
    COLOURS,
    MAX_OBJECTS,
    SHAPES,
    SIZES,
    GalleryPhoto,
    Route,
    Scene,
    aerial_check,
    caption_forced,
    caption_image,
    caption_search,
    colour_swap_example,
    gallery_image,
    gallery_scenes,
    image_models,
    make_scene,
    named_words,
    object_at,
    photo_gallery,
    render_scene,
    route_picture,
    word_deletion,
    word_hits,
    word_kind,
)
from app.services.problems import InputProblem, show_problem
from app.services.reviews import (
    MAX_REVIEW_CHARS,
    ReviewScores,
    check_review,
    classify_review,
    review_erasure,
    review_models,
    review_permutation,
    review_scores,
    review_tau,
)
from app.services.runtime import compute_device, device_label, device_problem, warm_up, warmed_up
from app.services.text import (
    HOME_EXAMPLE,
    MAX_TEXT_CHARS,
    check_text,
    cleaned_text,
    decode_forced,
    decode_text,
    encoder_rollout,
    explain_steps,
    home_example,
    is_real_date,
    require_text,
    search_text,
    seen_in_training,
    tidy,
    transformer_maps,
    translation_examples,
)
from app.services.uploads import (
    IMAGE_FORMATS,
    MAX_IMAGE_BYTES,
    MIN_IMAGE_SIDE,
    read_image,
    require_image,
    to_rgb,
)
from app.services.worked import (
    DK_CHOICES,
    WORKED_DIM,
    WORKED_KINDS,
    WORKED_LIMIT,
    WORKED_MAX_TOKENS,
    Parameters,
    ScalingPoint,
    WorkedExample,
    default_example,
    default_parameters,
    exp_terms,
    read_numbers,
    scaling_curve,
    scaling_example,
    work_example,
)
