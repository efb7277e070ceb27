#!/usr/bin/env python3
"""Loads every view an AMS-DB export writes with pandas, pyarrow and Hugging Face `datasets`,
the way the exporter's README tells users to, and checks what each library sees.

Run by `PythonDatasetsIT` (exporter module) when a Python with `datasets`, `pandas` and `pyarrow`
is available; by hand:

    python3 check_datasets.py --sink <dataset.root> --messages N \
        --training sft=<dir> --training sharegpt=<dir> --training instruction=<dir>

Checks, per view:
- training exports (`ams export dataset`): `load_dataset(<dir>)` reads the card's `configs` and
  gives exactly the splits the card lists, with the card's row counts and features;
  `load_dataset("parquet", data_dir=<dir>/data)` and, when written, `load_dataset("json",
  data_dir=<dir>/jsonl)` give the same splits and rows; pandas and pyarrow read the same rows;
  every row's turns alternate (sft: system first if any, then user/assistant; sharegpt:
  human/gpt; both start with the other side and end with the agent), instruction rows have an
  output and [instruction, output] history pairs;
- the sink's `messages` Parquet (Hive `date=` directories) with pyarrow, pandas and
  `load_dataset("parquet")`: N rows, the documented columns, `media` a list of structs;
- the sink's `jsonl/turns` with pandas, pyarrow and `load_dataset("json", features=...)`: N
  lines, the documented keys, media on the lines the Parquet has it.

Prints one line per check and exits 1 on the first failure (with what was found).
"""

import argparse
import glob
import os
import sys

# The checks read local files only: nothing may be fetched from the Hub (read at import).
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pandas as pd
import pyarrow.dataset as pads
import pyarrow.json as pajson
import pyarrow.parquet as pq
import datasets
import yaml

MESSAGE_COLUMNS = [
    "conversation_id", "agent_id", "message_id", "timestamp", "role", "content",
    "message_type", "metadata", "session_id", "turn_number", "model", "prompt_tokens",
    "completion_tokens", "total_tokens", "tokens_estimated", "latency_ms", "knowledge_ids",
    "kafka_partition", "kafka_offset", "media",
]
TURN_KEYS = ["conversation_id", "turn_number", "agent_id", "message", "timestamp", "metadata",
             "role", "message_id"]
COMMON_COLUMNS = ["id", "conversation_id", "agent_id", "agent_name", "topic", "num_turns",
                  "num_tokens", "providers", "scripted"]
FORMAT_COLUMNS = {
    "sft": ["messages"],
    "sharegpt": ["system", "conversations"],
    "instruction": ["system", "instruction", "input", "output", "history"],
}


class CheckFailed(Exception):
    pass


def ok(what):
    print("ok   " + what, flush=True)


def expect(condition, what, found):
    if not condition:
        raise CheckFailed(what + ": found " + repr(found))
    ok(what)


def card(directory):
    with open(os.path.join(directory, "README.md"), encoding="utf-8") as f:
        text = f.read()
    if not text.startswith("---\n"):
        raise CheckFailed(directory + "/README.md has no YAML front matter")
    return yaml.safe_load(text.split("---\n")[1])


def split_rows(dataset_dict):
    return {name: split.num_rows for name, split in dataset_dict.items()}


def check_training(fmt, directory):
    meta = card(directory)
    configs = meta["configs"]
    expect(len(configs) == 1 and configs[0]["config_name"] == "default",
           fmt + ": the card has one config, default", configs)
    card_splits = {s["name"]: s["num_examples"] for s in meta["dataset_info"]["splits"]}
    total = sum(card_splits.values())
    expect(total > 0, fmt + ": the card counts rows", card_splits)
    columns = COMMON_COLUMNS + FORMAT_COLUMNS[fmt]

    # load_dataset(<dir>): what the Hub and `datasets` do with the card.
    by_card = datasets.load_dataset(directory)
    expect(split_rows(by_card) == card_splits,
           fmt + ": load_dataset(dir) gives the card's splits and rows " + str(card_splits),
           split_rows(by_card))
    first = next(iter(by_card.values()))
    expect(set(columns) <= set(first.column_names),
           fmt + ": load_dataset(dir) has the columns " + ",".join(FORMAT_COLUMNS[fmt]),
           first.column_names)
    card_features = datasets.Features._from_yaml_list(meta["dataset_info"]["features"])
    expect(first.features == card_features,
           fmt + ": load_dataset(dir) features are the card's", first.features)

    by_parquet = datasets.load_dataset("parquet", data_dir=os.path.join(directory, "data"))
    expect(split_rows(by_parquet) == card_splits,
           fmt + ": load_dataset('parquet', data_dir=data) gives the same splits and rows",
           split_rows(by_parquet))
    jsonl_dir = os.path.join(directory, "jsonl")
    if os.path.isdir(jsonl_dir):
        by_json = datasets.load_dataset("json", data_dir=jsonl_dir)
        expect(split_rows(by_json) == card_splits,
               fmt + ": load_dataset('json', data_dir=jsonl) gives the same splits and rows",
               split_rows(by_json))
        frame = pd.concat(pd.read_json(f, lines=True)
                          for f in sorted(glob.glob(os.path.join(jsonl_dir, "*.jsonl"))))
        expect(len(frame) == total, fmt + ": pandas.read_json(lines=True) reads every row",
               len(frame))

    table = pq.read_table(os.path.join(directory, "data"))
    expect(table.num_rows == total and set(columns) <= set(table.column_names),
           fmt + ": pyarrow.parquet.read_table(data) reads every row and column",
           (table.num_rows, table.column_names))
    frame = pd.read_parquet(os.path.join(directory, "data"))
    expect(len(frame) == total, fmt + ": pandas.read_parquet(data) reads every row", len(frame))

    for split, rows in by_card.items():
        for row in rows:
            check_row(fmt, split, row)
    ok(fmt + ": every row of every split alternates roles (" + str(total) + " rows)")


def check_row(fmt, split, row):
    where = fmt + " " + split + " " + row["id"]
    if fmt == "sft":
        roles = [m["role"] for m in row["messages"]]
        turns = roles[1:] if roles and roles[0] == "system" else roles
        check_alternation(where, turns, "user", "assistant")
        if "system" in turns:
            raise CheckFailed(where + ": a system message after the first: " + repr(roles))
        if any(not m["content"] and not m.get("images") for m in row["messages"]):
            raise CheckFailed(where + ": an empty message: " + repr(row["messages"]))
    elif fmt == "sharegpt":
        check_alternation(where, [t["from"] for t in row["conversations"]], "human", "gpt")
    else:
        if not row["output"] or not row["instruction"]:
            raise CheckFailed(where + ": no instruction or output: " + repr(row))
        if any(len(pair) != 2 for pair in row["history"]):
            raise CheckFailed(where + ": history is not [instruction, output] pairs: "
                              + repr(row["history"]))
    if row["num_turns"] <= 0 or row["num_tokens"] <= 0:
        raise CheckFailed(where + ": num_turns/num_tokens not positive: " + repr(row))


def check_alternation(where, turns, first, second):
    expected = [first if i % 2 == 0 else second for i in range(len(turns))]
    if not turns or turns != expected or turns[-1] != second:
        raise CheckFailed(where + ": turns do not alternate " + first + "/" + second
                          + " ending with " + second + ": " + repr(turns))


def check_sink(root, messages):
    directory = os.path.join(root, "messages")
    table = pads.dataset(directory, format="parquet", partitioning="hive").to_table()
    expect(table.num_rows == messages,
           "messages: pyarrow.dataset(hive) reads " + str(messages) + " rows", table.num_rows)
    expect(table.column_names[:len(MESSAGE_COLUMNS)] == MESSAGE_COLUMNS
           and "date" in table.column_names,
           "messages: pyarrow sees the documented columns and the date partition",
           table.column_names)
    media_type = table.schema.field("media").type
    expect(str(media_type.value_type) == "struct<sha256: string not null, content_type: "
           "string not null, size_bytes: int64 not null, path: string not null>",
           "messages: media is a list of {sha256, content_type, size_bytes, path}", media_type)
    frame = pd.read_parquet(directory)
    expect(len(frame) == messages, "messages: pandas.read_parquet reads every row", len(frame))
    media_rows = int(frame["media"].map(len).gt(0).sum())
    expect(media_rows > 0, "messages: pandas sees media on " + str(media_rows) + " rows",
           media_rows)

    loaded = datasets.load_dataset(
        "parquet", data_files=os.path.join(directory, "*", "*.parquet"), split="train")
    expect(loaded.num_rows == messages,
           "messages: load_dataset('parquet', data_files=messages/*/*.parquet) reads every row",
           loaded.num_rows)
    expect(set(MESSAGE_COLUMNS) <= set(loaded.column_names),
           "messages: load_dataset sees the documented columns", loaded.column_names)
    roles = set(loaded["role"])
    expect(roles <= {"assistant", "user", "system"}, "messages: roles are the original's",
           roles)

    turns_dir = os.path.join(root, "jsonl", "turns")
    files = sorted(glob.glob(os.path.join(turns_dir, "*.jsonl")))
    frame = pd.concat(pd.read_json(f, lines=True) for f in files)
    expect(len(frame) == messages, "turns: pandas.read_json(lines=True) reads every line",
           len(frame))
    rows = sum(pajson.read_json(f).num_rows for f in files)
    expect(rows == messages, "turns: pyarrow.json.read_json reads every line", rows)
    # `datasets` takes a JSON dataset's columns from its first file and refuses a later file with
    # another column: only lines of messages with media have `media`, so the features are given,
    # as the exporter's README tells users to.
    loaded = datasets.load_dataset("json", data_dir=turns_dir, split="train",
                                   features=turn_features())
    expect(loaded.num_rows == messages,
           "turns: load_dataset('json', data_dir=jsonl/turns, features=...) reads every line",
           loaded.num_rows)
    expect(set(TURN_KEYS) <= set(loaded.column_names),
           "turns: load_dataset sees the documented keys", loaded.column_names)
    with_media = sum(1 for m in loaded["media"] if m)
    expect(with_media == media_rows, "turns: load_dataset sees media on the same lines as the"
           " Parquet (" + str(media_rows) + ")", with_media)


def turn_features():
    """The turn line's features, as the exporter's README gives them (datasets >= 4: Json)."""
    from datasets import Features, Json, List, Value
    return Features({
        "conversation_id": Value("string"), "turn_number": Value("int64"),
        "agent_id": Value("string"), "message": Value("string"),
        "timestamp": Value("timestamp[ms, tz=UTC]"), "metadata": Json(),
        "role": Value("string"), "message_id": Value("string"),
        "media": List({"sha256": Value("string"), "content_type": Value("string"),
                       "size_bytes": Value("int64"), "path": Value("string")}),
    })


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sink", help="dataset.root of the continuous sink")
    parser.add_argument("--messages", type=int, help="message rows the sink wrote")
    parser.add_argument("--training", action="append", default=[],
                        help="FORMAT=DIR of an `ams export dataset` output (repeatable)")
    args = parser.parse_args()
    print("datasets " + datasets.__version__ + ", pandas " + pd.__version__ + ", pyarrow "
          + __import__("pyarrow").__version__, flush=True)
    try:
        for spec in args.training:
            fmt, directory = spec.split("=", 1)
            check_training(fmt, directory)
        if args.sink:
            check_sink(args.sink, args.messages)
    except CheckFailed as e:
        print("FAIL " + str(e), flush=True)
        sys.exit(1)
    print("all checks passed", flush=True)


if __name__ == "__main__":
    main()
