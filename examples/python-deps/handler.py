import json

import textstats  # bundled from requirements.txt at deploy time


def handler(input_data):
    """Word statistics of the input, computed with a bundled dependency."""
    if isinstance(input_data, str):
        text = input_data
    elif isinstance(input_data, dict) and "text" in input_data:
        text = str(input_data["text"])
    else:
        text = json.dumps(input_data)
    print(f"Counting words with textstats {textstats.__version__}")
    return {
        "words": textstats.word_count(text),
        "top": textstats.top_words(text, 3),
        "package": f"textstats {textstats.__version__}",
    }
