"""Multi-reader agreement on grades and gap measurements, from a ``measure`` results table.

>>> result = agreement(load_results("results.csv"))
>>> result.pairs  # pandas DataFrame: Cohen's kappa etc. per scheme and reader pair
"""

from __future__ import annotations

from ho_annotate.agreement.bland_altman import BlandAltman, bland_altman
from ho_annotate.agreement.bootstrap import Bootstrap
from ho_annotate.agreement.boundary import DEFAULT_BOUNDARY_MM, near_threshold
from ho_annotate.agreement.cohen import PairAgreement, confusion_kappas, pair_agreement
from ho_annotate.agreement.compute import AgreementResult, Subgroup, agreement, load_results
from ho_annotate.agreement.fleiss import fleiss_from_counts, fleiss_kappa
from ho_annotate.agreement.hips import TRUTH_READER, read_truth
from ho_annotate.agreement.icc import ICCResult, icc_2_1
from ho_annotate.agreement.report import format_text, to_json, write_plots

__all__ = [
    "DEFAULT_BOUNDARY_MM",
    "TRUTH_READER",
    "AgreementResult",
    "BlandAltman",
    "Bootstrap",
    "ICCResult",
    "PairAgreement",
    "Subgroup",
    "agreement",
    "bland_altman",
    "confusion_kappas",
    "fleiss_from_counts",
    "fleiss_kappa",
    "format_text",
    "icc_2_1",
    "load_results",
    "near_threshold",
    "pair_agreement",
    "read_truth",
    "to_json",
    "write_plots",
]
