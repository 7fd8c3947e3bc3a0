"""Per-prediction feature contributions by decision path, precomputed per leaf (for the reasons of a score).

LightGBM's exact TreeSHAP (``pred_contrib``) costs about 2 ms for one filing with 150 trees, the
whole latency budget of issue 16. The decision-path attribution (Saabas; the "treeinterpreter"
method) gives each split's change of the node value to the feature it splits on. The path to a
leaf is fixed, so each leaf's contribution vector is computed once when the model is loaded, and a
prediction's contributions are the sum of its leaves' vectors (LightGBM's ``pred_leaf`` finds the
leaves as fast as it predicts). Like SHAP it is additive: bias + contributions = the raw score.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np


class PathContributions:
    def __init__(self, booster: lgb.Booster):
        dump = booster.dump_model()
        self.features = len(dump["feature_names"])
        trees = dump["tree_info"]
        self.offsets = np.zeros(len(trees), dtype=np.int64)
        vectors: list[np.ndarray] = []
        self.bias = 0.0
        for index, tree in enumerate(trees):
            self.offsets[index] = len(vectors)
            root = tree["tree_structure"]
            leaves: dict[int, np.ndarray] = {}
            if "leaf_value" in root:  # a single-leaf tree: all bias
                self.bias += float(root["leaf_value"])
                leaves[0] = np.zeros(self.features)
            else:
                self.bias += float(root["internal_value"])
                self._walk(root, np.zeros(self.features), leaves)
            vectors.extend(leaves[leaf] for leaf in range(len(leaves)))
        self.table = np.vstack(vectors) if vectors else np.zeros((0, self.features))

    def _walk(self, node: dict, path: np.ndarray, leaves: dict[int, np.ndarray]) -> None:
        stack = [(node, path)]
        while stack:
            current, so_far = stack.pop()
            for side in ("left_child", "right_child"):
                child = current[side]
                value = child["leaf_value"] if "leaf_value" in child else child["internal_value"]
                step = so_far.copy()
                step[current["split_feature"]] += float(value) - float(current["internal_value"])
                if "leaf_index" in child:
                    leaves[int(child["leaf_index"])] = step
                else:
                    stack.append((child, step))

    def of(self, leaf_indices: np.ndarray) -> np.ndarray:
        """Contributions (rows x features) from ``booster.predict(X, pred_leaf=True)``."""
        rows = self.offsets[np.newaxis, :] + leaf_indices.astype(np.int64)
        return self.table[rows].sum(axis=1)
