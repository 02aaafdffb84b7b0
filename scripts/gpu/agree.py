"""Agreement between two `glia score --json` runs (e.g. GPU and CPU), and optionally between two
`glia heatmap --raw` files: max and mean absolute difference, and the rank order of scores."""
import json, sys

def scores(path):
    return {r["path"].rsplit("/", 1)[-1]: r["score"] for r in json.load(open(path)) if "score" in r}

def flat(x):
    if isinstance(x, (int, float)):
        yield float(x)
    elif isinstance(x, list):
        for v in x:
            yield from flat(v)
    elif isinstance(x, dict):
        for k in sorted(x):
            yield from flat(x[k])

a, b = scores(sys.argv[1]), scores(sys.argv[2])
common = sorted(set(a) & set(b))
d = [abs(a[k] - b[k]) for k in common]
ra = sorted(common, key=lambda k: a[k]); rb = sorted(common, key=lambda k: b[k])
print(f"scores: {len(common)} photos in both; |diff| max {max(d):.4f} mean {sum(d)/len(d):.4f}; "
      f"same order: {ra == rb}; worst {common[d.index(max(d))]}")
if len(sys.argv) > 4:
    ma, mb = list(flat(json.load(open(sys.argv[3])))), list(flat(json.load(open(sys.argv[4]))))
    dm = [abs(x - y) for x, y in zip(ma, mb)]
    print(f"maps: {len(ma)} / {len(mb)} values; |diff| max {max(dm):.3g} mean {sum(dm)/len(dm):.3g}; "
          f"value range {min(ma):.3g}..{max(ma):.3g}")
