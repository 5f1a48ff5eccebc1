#!/usr/bin/python3
"""The script a shop would write instead of kesu: read the JSON Lines
export, and look for the pack's words in every message with an
Aho-Corasick automaton (python3-ahocorasick). No normalisation, no
context rules, no offsets into the original text: a lower bound on the
work kesu does. Prints the number of messages with a hit."""
import json
import sys

import ahocorasick


def main():
    words, archive = sys.argv[1], sys.argv[2]
    auto = ahocorasick.Automaton()
    with open(words, encoding="utf-8") as f:
        for w in f:
            w = w.rstrip("\n")
            if w:
                auto.add_word(w, w)
    auto.make_automaton()
    hits = 0
    with open(archive, encoding="utf-8") as f:
        for line in f:
            conv = json.loads(line)
            for m in conv["messages"]:
                text = m.get("text")
                if text and next(auto.iter(text), None) is not None:
                    hits += 1
    print(hits)


if __name__ == "__main__":
    main()
