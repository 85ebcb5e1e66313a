"""Compare `docwright coverage --json` and `docwright complexity --json` with
interrogate and mccabe themselves, file by file.

Usage:
  reports_check.py ROOT --exclude DIR
      [--coverage JSON [FLAG...] --end] ... [--complexity JSON]

ROOT is the tree docwright was run on and DIR a directory below it that was
excluded (`--exclude DIR`). Each `--coverage` names docwright's JSON report
and the interrogate flags it was made with (docwright takes interrogate's
flag names); `--complexity` names docwright's complexity report. Prints one
line per disagreement and a summary per report; exits 1 when there is any.

What is compared:
- coverage: the files interrogate's own discovery finds are the files
  docwright reports; per file, the total, documented and missing counts and
  the missing names with their lines; the total, its percentage and the
  verdict against --fail-under, from interrogate's own code.
- complexity: every graph mccabe builds, in mccabe's order, with its name,
  line, column and complexity.

Files without a reference answer, each counted and named in the output:
- Files Python refuses (a syntax error, an unknown encoding, bytes that are
  not in the declared encoding). docwright must skip them and say why, or,
  where tree-sitter reads them without error (Python 2 `print` statements in
  lib2to3's test data), it counts them; the reference tools have no answer
  for them either way (interrogate stops the whole run at such a file; mccabe
  reads some of them as Latin-1 where Python refuses them).
- KNOWN_GRAMMAR_GAPS: files Python reads and tree-sitter-python cannot. docwright
  must skip them with a syntax-error message.

Files interrogate cannot read although Python can: interrogate opens every
file as UTF-8, so a Latin-1 file with a coding line or a UTF-8 file with a
BOM stops it. docwright reads files as Python does (PEP 263). For these the
expected counts are interrogate's own counting of the source read as Python
reads it (`tokenize.open`); they are compared, and counted separately.
"""

import ast
import builtins
import json
import multiprocessing
import os
import re
import sys
import tokenize

from interrogate import config as interrogate_config
from interrogate import coverage as interrogate_coverage
import mccabe

# Python parses these; tree-sitter-python 0.25 does not (see ast_inventory.py).
KNOWN_GRAMMAR_GAPS = {"test/test_compile.py"}

# Errors that mean "this file cannot be read or parsed".
UNREADABLE = (SyntaxError, UnicodeDecodeError, ValueError, LookupError)

# interrogate's flag name -> its configuration attribute, where they differ.
ATTRIBUTE = {"--ignore-setters": "ignore_property_setters"}


def interrogate_config_for(flags):
    """An InterrogateConfig from interrogate's command-line flags."""
    settings = {}
    flags = list(flags)
    while flags:
        flag = flags.pop(0)
        if flag == "--fail-under":
            settings["fail_under"] = float(flags.pop(0))
        elif flag == "--ignore-regex":
            settings.setdefault("ignore_regex", []).append(re.compile(flags.pop(0)))
        elif flag.startswith("--ignore-"):
            settings[ATTRIBUTE.get(flag, flag[2:].replace("-", "_"))] = True
        else:
            raise SystemExit(f"unknown interrogate flag {flag}")
    return interrogate_config.InterrogateConfig(**settings)


def python_refuses(path):
    """Why Python will not run the file, or None when it will."""
    try:
        with tokenize.open(path) as f:
            source = f.read()
        compile(source, path, "exec", dont_inherit=True)
    except UNREADABLE as error:
        return f"{type(error).__name__}: {error}"
    return None


def judge_skipped(path, error, gap):
    """A file docwright skipped: (category, problem or None)."""
    if not error.startswith(path + ": "):
        return "skipped", f"{path}: docwright's message does not name the file: {error}"
    if gap:
        if "has syntax errors" not in error:
            return "gap", f"{path}: a known grammar gap, but docwright's reason is: {error}"
        return "gap", None
    if python_refuses(path) is None:
        return "skipped", f"{path}: Python reads it, docwright skipped it: {error}"
    return "refused", None


def coverage_job(job):
    """One file: (path, category, expected counts or None, problem or None)."""
    path, flags, skipped, gap = job
    if skipped is not None:
        category, problem = judge_skipped(path, skipped, gap)
        return path, category, None, problem
    if gap:
        return path, "gap", None, f"{path}: a known grammar gap, but docwright counted it"
    interrogator = interrogate_coverage.InterrogateCoverage(paths=[path], conf=interrogate_config_for(flags))
    try:
        return path, "read", summary(interrogator._get_file_coverage(path)), None
    except UNREADABLE:
        pass
    if python_refuses(path) is not None:
        return path, "refused-counted", None, None
    # interrogate's counting, of the source read as Python reads it.
    interrogate_coverage.open = lambda name, encoding=None: tokenize.open(name)
    try:
        return path, "pep263", summary(interrogator._get_file_coverage(path)), None
    finally:
        interrogate_coverage.open = builtins.open


class Tallied:
    """What interrogate's totals read of a file's result."""

    def __init__(self, counts):
        self.total, self.covered, self.missing = counts["total"], counts["documented"], counts["missing"]


def summary(result):
    if result is None:
        return None
    missing = sorted((node.path.split(":")[-1], node.lineno or 1) for node in result.nodes
                     if not node.covered and not (node.node_type == "Module" and result.ignore_module))
    return {"total": result.total, "documented": result.covered, "missing": result.missing,
            "missing_names": missing}


def complexity_job(job):
    """One file: (path, category, mccabe's graphs or None, problem or None)."""
    path, skipped, gap = job
    if skipped is not None:
        category, problem = judge_skipped(path, skipped, gap)
        return path, category, None, problem
    if gap:
        return path, "gap", None, f"{path}: a known grammar gap, but docwright measured it"
    try:
        # As mccabe's `main` reads, parses and walks a file.
        code = mccabe._read(path)
        tree = compile(code, path, "exec", ast.PyCF_ONLY_AST)
    except UNREADABLE:
        if python_refuses(path) is None:
            return path, "read", None, f"{path}: Python reads it, mccabe cannot"
        return path, "refused-counted", None, None
    visitor = mccabe.PathGraphingAstVisitor()
    visitor.preorder(tree, visitor)
    graphs = [[g.entity, g.lineno, g.column, g.complexity()] for g in visitor.graphs.values()]
    return path, "read", graphs, None


def load(path, root):
    """docwright's report, its files and skipped files keyed by absolute path."""
    with open(path) as f:
        report = json.load(f)
    absolute = lambda p: os.path.normpath(os.path.join(root, p))  # noqa: E731
    report["by_path"] = {absolute(f["path"]): f for f in report["files"]}
    report["skipped"] = {absolute(s["path"]): s["error"] for s in report["skipped"]}
    return report


def jobs_for(root, report, filenames, every_file_reported):
    """The jobs for the reference tool's files, and the files only one side has.
    docwright's coverage report leaves out what interrogate leaves out (a module
    with nothing to count under --ignore-module); that is checked per file."""
    problems = []
    seen = set(report["by_path"]) | set(report["skipped"])
    only = (seen ^ set(filenames)) if every_file_reported else (seen - set(filenames))
    for path in sorted(only):
        where = "docwright's" if path in seen else "the reference tool's"
        problems.append(f"{path}: only in {where} list of files")
    jobs = [(f, report["skipped"].get(f), os.path.relpath(f, root) in KNOWN_GRAMMAR_GAPS) for f in filenames]
    return jobs, problems


class Outcome:
    """What the files of one comparison came to."""

    def __init__(self, problems):
        self.problems = problems
        self.categories = {}
        self.refused_counted = []

    def note(self, path, category, problem):
        self.categories[category] = self.categories.get(category, 0) + 1
        if problem:
            self.problems.append(problem)
        if category == "refused-counted":
            self.refused_counted.append(path)

    def describe(self):
        names = ", ".join(sorted(os.path.basename(p) for p in self.refused_counted))
        return (f"{self.categories.get('refused', 0)} files Python refuses were skipped by docwright; "
                f"{len(self.refused_counted)} it refuses were read by tree-sitter and counted by docwright, "
                f"without a reference to compare with ({names}); "
                f"{self.categories.get('gap', 0)} known grammar gaps skipped; {len(self.problems)} mismatches")


def compare_coverage(pool, root, excluded, report_path, flags):
    report = load(report_path, root)
    interrogator = interrogate_coverage.InterrogateCoverage(
        paths=[root], conf=interrogate_config_for(flags), excluded=(excluded,))
    filenames = [os.path.normpath(f) for f in interrogator.get_filenames_from_paths()]
    jobs, problems = jobs_for(root, report, filenames, every_file_reported=False)
    outcome, expected_results = Outcome(problems), {}
    compared = nodes = 0
    work = [(path, flags, skipped, gap) for path, skipped, gap in jobs]
    for path, category, expected, problem in pool.imap_unordered(coverage_job, work, chunksize=8):
        outcome.note(path, category, problem)
        if category not in ("read", "pep263"):
            continue
        expected_results[path] = expected and Tallied(expected)
        actual = report["by_path"].get(path)
        if expected is None:
            if actual is not None:
                problems.append(f"{path}: interrogate leaves it out, docwright counts it")
            continue
        if actual is None:
            problems.append(f"{path}: interrogate counts it, docwright does not report it")
            continue
        compared += 1
        nodes += expected["total"]
        got = {"total": actual["total"], "documented": actual["documented"], "missing": actual["missing"],
               "missing_names": sorted((m["name"], m["line"]) for m in actual["missing_names"])}
        if got != expected:
            problems.append(f"{path}: interrogate {short(expected)}, docwright {short(got)}")
    # interrogate's own totals and verdict, over the files it has an answer for
    # and docwright's counts of the files only docwright reads.
    for path in outcome.refused_counted:
        actual = report["by_path"].get(path)
        expected_results[path] = actual and Tallied(actual)
    interrogator._get_file_coverage = expected_results.get
    results = interrogator._get_coverage(sorted(expected_results))
    expected_total = (results.total, results.covered, results.perc_covered, results.ret_code == 0)
    got_total = (report["total"]["total"], report["total"]["documented"], report["total"]["percent"],
                 report["passed"])
    if expected_total != got_total:
        problems.append(f"total (nodes, documented, percent, passed): interrogate {expected_total}, "
                        f"docwright {got_total}")
    for line in problems:
        print(line)
    name = " ".join(flags) or "default options"
    print(f"coverage ({name}): compared {compared} files ({nodes} nodes; total {expected_total}), "
          f"{outcome.categories.get('pep263', 0)} of them read by interrogate only as Python reads them; "
          f"{outcome.describe()}")
    return problems


def short(counts):
    missing = counts["missing_names"]
    return (f"{counts['documented']}/{counts['total']} documented, missing "
            f"{missing[:4]}{' ...' if len(missing) > 4 else ''}")


def compare_complexity(pool, root, excluded, report_path):
    report = load(report_path, root)
    filenames = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if os.path.join(directory, d) != excluded]
        filenames.extend(os.path.join(directory, f) for f in files if f.endswith(".py"))
    jobs, problems = jobs_for(root, report, filenames, every_file_reported=True)
    outcome = Outcome(problems)
    compared = graphs = 0
    for path, category, expected, problem in pool.imap_unordered(complexity_job, jobs, chunksize=8):
        outcome.note(path, category, problem)
        if expected is None:
            continue
        actual = report["by_path"][path]
        got = [[g["name"], g["line"], g["column"], g["complexity"]] for g in actual["graphs"]]
        compared += 1
        graphs += len(expected)
        if got != expected:
            differences = [(e, g) for e, g in zip(expected, got) if e != g][:3]
            problems.append(f"{path}: mccabe has {len(expected)} graphs, docwright {len(got)}; "
                            f"first differences (mccabe, docwright): {differences}")
    for line in problems:
        print(line)
    print(f"complexity: compared {compared} files ({graphs} graphs); {outcome.describe()}")
    return problems


def main():
    arguments = sys.argv[1:]
    root = os.path.abspath(arguments.pop(0))
    if arguments.pop(0) != "--exclude":
        raise SystemExit(__doc__)
    excluded = os.path.join(root, arguments.pop(0))
    problems = []
    with multiprocessing.Pool() as pool:
        while arguments:
            what = arguments.pop(0)
            if what == "--coverage":
                report = arguments.pop(0)
                end = arguments.index("--end")
                flags, arguments = arguments[:end], arguments[end + 1:]
                problems += compare_coverage(pool, root, excluded, report, flags)
            elif what == "--complexity":
                problems += compare_complexity(pool, root, excluded, arguments.pop(0))
            else:
                raise SystemExit(__doc__)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
