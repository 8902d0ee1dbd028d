"""Multi-reader agreement on grades and gap measurements, from a ``measure`` results table.

>>> result = agreement(load_results("results.csv"))
>>> result.pairs  # pandas DataFrame: Cohen's kappa etc. per scheme and reader pair
"""

from __future__ import annotations

from ho_annotate.agreement.bland_altman import BlandAltman, bland_altman
from ho_annotate.agreement.cohen import PairAgreement, pair_agreement
from ho_annotate.agreement.compute import AgreementResult, agreement, load_results
from ho_annotate.agreement.fleiss import fleiss_kappa
from ho_annotate.agreement.icc import ICCResult, icc_2_1
from ho_annotate.agreement.report import format_text, to_json, write_plots

__all__ = [
    "AgreementResult",
    "BlandAltman",
    "ICCResult",
    "PairAgreement",
    "agreement",
    "bland_altman",
    "fleiss_kappa",
    "format_text",
    "icc_2_1",
    "load_results",
    "pair_agreement",
    "to_json",
    "write_plots",
]
