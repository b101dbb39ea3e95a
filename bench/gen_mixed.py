#!/usr/bin/env python3
"""Writes the mixed-type CSV that bench/formats.sh converts: N rows (default
2,000,000, about 130 MB) of ints, doubles, 2-decimal prices, short strings,
dates, timestamps and booleans, with about 4% empty (NULL) fields, from a
fixed seed so every run and every machine gets the same bytes."""
import random
import sys

def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 2000000
    rnd = random.Random(20260128)
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = ["".join(rnd.choice(letters) for _ in range(rnd.randint(3, 8))) for _ in range(5000)]
    base = 1672531200  # 2023-01-01
    with open(out, "w", newline="") as f:
        f.write("id,qty,score,price,name,day,ts,flag\n")
        buf = []
        for i in range(1, rows + 1):
            r = rnd.random()
            qty = "" if r < 0.04 else str(rnd.randint(1, 99))
            score = "" if 0.04 <= r < 0.08 else repr(round(rnd.uniform(-500, 1000), rnd.randint(1, 4)))
            price = "%.2f" % rnd.uniform(0.5, 99.99)
            name = "" if 0.08 <= r < 0.12 else rnd.choice(names)
            t = base + rnd.randint(0, 3 * 365 * 86400)
            days, sec = divmod(t, 86400)
            y, m, d = civil(days)
            day = "%04d-%02d-%02d" % (y, m, d)
            ts = "%s %02d:%02d:%02d" % (day, sec // 3600, sec // 60 % 60, sec % 60)
            flag = "true" if rnd.random() < 0.5 else "false"
            buf.append("%d,%s,%s,%s,%s,%s,%s,%s\n" % (i, qty, score, price, name, day, ts, flag))
            if len(buf) >= 10000:
                f.write("".join(buf))
                buf = []
        f.write("".join(buf))

def civil(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d

if __name__ == "__main__":
    main()
