"""A split's training and held-out CSVs from its round-1 report: the held-out photos are the
report's predictions, the training photos every other row of the labels (image paths made
absolute, so the CSVs can live anywhere)."""
import csv, json, os, sys

labels, report, train_csv, heldout_csv = sys.argv[1:5]
base = os.path.dirname(os.path.abspath(labels))
held = {os.path.basename(p["path"]) for p in json.load(open(report))["splits"][0]["predictions"]}
with open(labels, newline="") as f:
    rows = list(csv.DictReader(f))
cols = ["image", "mos"]
with open(train_csv, "w", newline="") as t, open(heldout_csv, "w", newline="") as h:
    wt, wh = csv.writer(t), csv.writer(h)
    wt.writerow(cols); wh.writerow(cols)
    for r in rows:
        path = os.path.join(base, r["image"])
        (wh if os.path.basename(r["image"]) in held else wt).writerow([path, r["mos"]])
print(f"{report}: {len(held)} held out, {len(rows) - len(held)} for training")
