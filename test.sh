#!/usr/bin/env bash
# Runs every test of ShardGen against real PostgreSQL servers that the tests start themselves.
# Needs the .NET 10 SDK and the PostgreSQL server binaries (installs postgresql-15 when run as
# root on Debian/Ubuntu and none are found). Prints "N passed, N failed, N skipped" last.
set -euo pipefail
cd "$(dirname "$0")"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "${SHARDGEN_PG_BIN:-}" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "PostgreSQL server binaries not found: installing postgresql-15..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  else
    echo "PostgreSQL server binaries not found: install them (e.g. 'sudo apt-get install -y postgresql-15')" >&2
    echo "or set SHARDGEN_PG_BIN to the directory holding initdb and pg_ctl." >&2
    exit 2
  fi
fi

# Some differential tests run on servers in glibc's en_US.UTF-8; without the locale they are skipped.
if ! locale -a 2>/dev/null | grep -qix 'en_US\.utf-\?8'; then
  if [ "$(id -u)" = "0" ] && command -v localedef >/dev/null && [ -e /usr/share/i18n/locales/en_US ]; then
    echo "Locale en_US.UTF-8 not found: building it with localedef..."
    localedef -i en_US -f UTF-8 en_US.UTF-8
  else
    echo "Locale en_US.UTF-8 not found: the tests on servers in that locale will be skipped (as root: localedef -i en_US -f UTF-8 en_US.UTF-8)." >&2
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="$PWD/TestResults"
rm -rf "$results"

# The solution is built first: `dotnet test` alone does not build the sample.
dotnet build ShardGen.sln -c Release -nologo -v quiet
status=0
dotnet test ShardGen.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?

summary=0
python3 - "$results" <<'PY' || summary=$?
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
files = glob.glob(sys.argv[1] + "/*.trx")
for path in files:
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        outcome = result.get("outcome")
        if outcome == "Passed":
            passed += 1
        elif outcome == "NotExecuted":
            skipped += 1
        else:
            failed += 1
            # The names and first lines of the failures come last, next to the summary, where a log's tail shows them.
            message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns).strip().splitlines()
            print(f"FAILED {result.get('testName')}: " + " / ".join(message[:3])[:600])
if not files:
    failed = 1
    print("no test results were written", file=sys.stderr)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
[ "$status" -eq 0 ] && exit "$summary" || exit "$status"
