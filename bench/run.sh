#!/usr/bin/env bash
# bench/run.sh — side-by-side benchmark: direct connection, HAProxy, nginx stream and the
# TcpLbModule balancer (started through the module, as a user does), on the same backends,
# in one run. See bench/README.md for what is measured and how to read the output.
#
#   bash bench/run.sh            # full run (about 9 minutes)
#   bash bench/run.sh --quick    # short durations, one round (about 3 minutes), same scenarios
#   bash bench/run.sh --help
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)

# shellcheck source=lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=lib/contenders.sh
source "$BENCH_DIR/lib/contenders.sh"
# shellcheck source=lib/scenarios.sh
source "$BENCH_DIR/lib/scenarios.sh"
# shellcheck source=lib/report.sh
source "$BENCH_DIR/lib/report.sh"

usage() {
    cat <<'EOF'
usage: bash bench/run.sh [options]

  --quick                 short durations (wrk 3s, warm-up 1s, iperf3 2s, idle hold 1s)
  --contenders <list>     comma-separated subset of direct,haproxy,haproxy2,nginx,tcplb,tcplb-hosted,tcplb-tls
                          (default: all). tcplb = the module in a real pwsh (the targets apply to it);
                          tcplb-hosted = the module in BenchHost (adds .NET runtime counters);
                          haproxy / haproxy2 = nbthread 1 / 2 (the better of the two is the reference);
                          tcplb-setsid, haproxy-setsid, haproxy2-setsid (not in the default list) =
                          tcplb / haproxy / haproxy2 started with setsid, in a session of their own (as
                          from their own terminal, -Detached, or HAProxy as a service); the better of
                          haproxy-setsid / haproxy2-setsid is the placement-matched reference of the rows
                          in a session of their own ("x hap-own" columns, a second targets line for
                          tcplb-setsid); the main reference stays haproxy / haproxy2. Both placements:
                          --contenders haproxy,haproxy2,haproxy-setsid,haproxy2-setsid,tcplb,tcplb-setsid
                          looprelay, looprelay-setsid (not in the default list; issue 17) = the engine's
                          bare relay on its own epoll loops (bench/LoopRelayHost; LOOPRELAY_ARGS adds
                          --loops n or --handoff), no features: what the loop alone does
                          tcplb-dash (not in the default list) = tcplb with 99 more balancers in its
                          process, Start-TcpBalancerDashboard, a Prometheus scraping /metrics every
                          second and the status page open in headless Chromium (what watching costs)
                          tcplb@NAME, tcplb-setsid@NAME (not in the default list) = a variant of tcplb or
                          tcplb-setsid with extra environment (--tcplb-variant), measured beside it in the
                          same interleaved rounds; without --tcplb-variant NAME means TCPLB_LOOP_LAYOUT=NAME
                          (reuseport, handoff, leastloaded, packed: the loop layout A/B)
                          tcplb-tls = tcplb terminating TLS (-SelfSignedCertificate; wrk over https):
                          what TLS costs; keep-alive and new connections only (no bulk, no idle)
  --duration <s>          wrk duration per scenario and round (default 6, quick 3)
  --rounds <n>            wrk rounds per scenario, interleaved across contenders (default 3, quick 1)
  --iperf-seconds <s>     iperf3 duration per stream count and round (default 5, quick 2)
  --bulk-rounds <n>       iperf3 rounds (default 3, quick 1)
  --idle-count <n>        idle connections to hold (default 10000)
  --base-port <p>         first port of the bench's port block (default 18000; uses base+81..+290)
  --no-install            do not apt-get install missing tools (fail if missing)
  --no-build              do not build the module / bench tools (use what is already built)
  --tcplb-extra "<args>"  extra Start-TcpBalancer parameters for tcplb and tcplb-hosted (experiments)
  --tcplb-env "K=V ..."   extra environment for the tcplb and tcplb-hosted processes, e.g.
                          DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (experiments; flagged in the output)
  --tcplb-variant NAME="K=V ..."  the environment of the variants tcplb@NAME and tcplb-setsid@NAME, after
                          --tcplb-env's (repeatable; experiments)
  -h, --help              this text

Results: bench/results/latest.json and bench/results/<timestamp>.json; per-run logs in
bench/results/runs/<timestamp>/. All traffic is on 127.0.0.1. Every process started is
stopped on exit.
EOF
}

# ---------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------
QUICK=false
CONTENDERS="direct haproxy haproxy2 nginx tcplb tcplb-hosted tcplb-tls"
WRK_SECONDS=""
IPERF_SECONDS=""
ROUNDS=""
BULK_ROUNDS=""
IDLE_COUNT=10000
BASE_PORT=18000
DO_INSTALL=true
DO_BUILD=true
TCPLB_EXTRA=""
TCPLB_ENV=""
declare -A TCPLB_VARIANTS=()
while (($#)); do
    case $1 in
        --quick) QUICK=true ;;
        --contenders) CONTENDERS=$(tr ',' ' ' <<<"${2:?}"); shift ;;
        --duration) WRK_SECONDS=${2:?}; shift ;;
        --iperf-seconds) IPERF_SECONDS=${2:?}; shift ;;
        --rounds) ROUNDS=${2:?}; shift ;;
        --bulk-rounds) BULK_ROUNDS=${2:?}; shift ;;
        --idle-count) IDLE_COUNT=${2:?}; shift ;;
        --base-port) BASE_PORT=${2:?}; shift ;;
        --no-install) DO_INSTALL=false ;;
        --no-build) DO_BUILD=false ;;
        --tcplb-extra) TCPLB_EXTRA=${2:?}; shift ;;
        --tcplb-env) TCPLB_ENV=${2:?}; shift ;;
        --tcplb-variant) [[ ${2:?} == ?*=* ]] || die "--tcplb-variant '$2': expected NAME=\"K=V ...\""
                         TCPLB_VARIANTS[${2%%=*}]=${2#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done
for c in $CONTENDERS; do
    case $c in direct|haproxy|haproxy2|nginx|tcplb|tcplb-hosted|tcplb-tls|tcplb-setsid|haproxy-setsid|haproxy2-setsid|looprelay|looprelay-setsid|tcplb-dash) ;;
        tcplb@?*|tcplb-setsid@?*) [[ ${c#*@} =~ ^[A-Za-z0-9_.-]+$ ]] || die "contender '$c': a variant's name is letters, digits, '.', '_' or '-'" ;;
        *) die "unknown contender '$c' (direct, haproxy, haproxy2, nginx, tcplb, tcplb-hosted, tcplb-tls, tcplb-setsid, haproxy-setsid, haproxy2-setsid, looprelay, looprelay-setsid, tcplb-dash, tcplb@NAME, tcplb-setsid@NAME)" ;; esac
done

WRK_THREADS=2
WRK_CONNS=64
WRK_TIMEOUT=2
if $QUICK; then
    : "${WRK_SECONDS:=3}" "${IPERF_SECONDS:=2}" "${ROUNDS:=1}" "${BULK_ROUNDS:=1}"
    WARMUP_SECONDS=1
    IDLE_HOLD=1
else
    : "${WRK_SECONDS:=6}" "${IPERF_SECONDS:=5}" "${ROUNDS:=3}" "${BULK_ROUNDS:=3}"
    WARMUP_SECONDS=6
    IDLE_HOLD=3
fi
NOFILE_WANTED=131072

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
STARTED_EPOCH=$(date +%s)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR="$BENCH_DIR/results"
RUN_DIR="$RESULTS_DIR/runs/$STAMP"
mkdir -p "$RUN_DIR"

trap cleanup_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Tools (apt, idempotent, quiet; skipped when present)
# ---------------------------------------------------------------------------------------------
install_tools() {
    local -a missing=()
    command -v haproxy >/dev/null || missing+=(haproxy)
    command -v nginx >/dev/null || missing+=(nginx)
    [[ -f /usr/lib/nginx/modules/ngx_stream_module.so ]] || missing+=(libnginx-mod-stream)
    command -v wrk >/dev/null || missing+=(wrk)
    command -v iperf3 >/dev/null || missing+=(iperf3)
    command -v jq >/dev/null || missing+=(jq)
    command -v ss >/dev/null || missing+=(iproute2)
    command -v column >/dev/null || missing+=(bsdextrautils)
    if ((${#missing[@]} == 0)); then
        log "tools present (haproxy, nginx + stream module, wrk, iperf3, jq)"
        return 0
    fi
    $DO_INSTALL || die "missing tools: ${missing[*]} (run without --no-install, or apt-get install them)"
    ((EUID == 0)) || die "missing tools: ${missing[*]}; installing needs root (sudo apt-get install ${missing[*]})"
    log "installing with apt: ${missing[*]}"
    # Keep the packages' own services (nginx on :80, haproxy, iperf3 daemon) from starting.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$RUN_DIR/apt.log" 2>&1; then
        apt-get update -qq >>"$RUN_DIR/apt.log" 2>&1 || true
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$RUN_DIR/apt.log" 2>&1 ||
            die "apt-get install failed (see $RUN_DIR/apt.log)"
    fi
    if [[ -n "${POLICY_RC_CREATED:-}" ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=""; fi
}

# ---------------------------------------------------------------------------------------------
# Build: the module (so module/ holds the compiled assemblies) and the two bench tools.
# ---------------------------------------------------------------------------------------------
BENCHHOST_BIN="$BENCH_DIR/BenchHost/bin/Release/net10.0/BenchHost"
IDLECONNS_BIN="$BENCH_DIR/IdleConns/bin/Release/net10.0/IdleConns"
LOOPRELAY_BIN="$BENCH_DIR/LoopRelayHost/bin/Release/net10.0/LoopRelayHost"

dotnet_build() {   # <project or solution> <log name>
    local log_file="$RUN_DIR/build-$2.log"
    if ! dotnet build "$1" -c Release -nologo -v q -clp:NoSummary >"$log_file" 2>&1; then
        grep -E 'error|Error' "$log_file" | head -n 20 >&2 || true
        return 1
    fi
}

# pwsh from the repository's tool manifest: `dotnet tool restore` puts the PowerShell package in
# the NuGet cache; its pwsh.dll is what `dotnet pwsh` runs (after a small shim).
resolve_pwsh() {
    local version pkgs
    version=$(jq -r '.tools.powershell.version // empty' "$REPO_ROOT/.config/dotnet-tools.json" 2>/dev/null)
    [[ -n "$version" ]] || die "no powershell tool in $REPO_ROOT/.config/dotnet-tools.json"
    (cd "$REPO_ROOT" && dotnet tool restore >"$RUN_DIR/tool-restore.log" 2>&1) ||
        die "dotnet tool restore failed (see $RUN_DIR/tool-restore.log)"
    pkgs=${NUGET_PACKAGES:-$(dotnet nuget locals global-packages --list 2>/dev/null | sed -n 's/^global-packages: *//p')}
    pkgs=${pkgs%/}
    PWSH_DLL=$(compgen -G "$pkgs/powershell/$version/tools/*/any/unix/pwsh.dll" | head -n 1 || true)
    [[ -n "$PWSH_DLL" && -f "$PWSH_DLL" ]] || die "pwsh.dll of PowerShell $version not found under $pkgs/powershell/$version"
    PWSH_VERSION=$version
    log "pwsh $PWSH_VERSION: dotnet $PWSH_DLL"
}

has_contender() { [[ " $CONTENDERS " == *" $1 "* ]]; }
has_variant() { [[ " $CONTENDERS " == *" tcplb@"* || " $CONTENDERS " == *" tcplb-setsid@"* ]]; }

build_all() {
    command -v dotnet >/dev/null || die "dotnet SDK not found"
    local wants_module=false
    { has_contender tcplb || has_contender tcplb-hosted || has_contender tcplb-setsid || has_contender tcplb-tls || has_contender tcplb-dash || has_variant; } && wants_module=true
    if $DO_BUILD; then
        log "building bench tools (BenchHost, IdleConns)"
        dotnet_build "$BENCH_DIR/IdleConns/IdleConns.csproj" idleconns || die "IdleConns build failed"
        if has_contender tcplb-hosted; then
            dotnet_build "$BENCH_DIR/BenchHost/BenchHost.csproj" benchhost || die "BenchHost build failed"
        fi
        if has_contender looprelay || has_contender looprelay-setsid; then
            dotnet_build "$BENCH_DIR/LoopRelayHost/LoopRelayHost.csproj" looprelay || die "LoopRelayHost build failed"
        fi
        if $wants_module; then
            # The module project drops its assemblies beside module/TcpLbModule.psd1 after build.
            local proj="$REPO_ROOT/src/TcpLbModule/TcpLbModule.csproj" sln
            if [[ ! -f "$proj" ]]; then
                sln=$(find "$REPO_ROOT" -maxdepth 1 \( -name '*.sln' -o -name '*.slnx' \) | head -n 1)
                proj=$sln
            fi
            if [[ -n "$proj" ]]; then
                log "building the module (${proj#"$REPO_ROOT"/}, Release)"
                dotnet_build "$proj" module || die "module build failed (see $RUN_DIR/build-module.log)"
            else
                warn "no module project or solution found; using module/ as it is"
            fi
        fi
    fi
    [[ -x "$IDLECONNS_BIN" ]] || die "IdleConns is not built ($IDLECONNS_BIN); run without --no-build"
    if has_contender looprelay || has_contender looprelay-setsid; then
        [[ -x "$LOOPRELAY_BIN" ]] || die "LoopRelayHost is not built ($LOOPRELAY_BIN); run without --no-build"
    fi
    if has_contender tcplb-hosted; then
        [[ -x "$BENCHHOST_BIN" ]] || die "BenchHost is not built ($BENCHHOST_BIN); run without --no-build"
    fi
    if $wants_module; then
        if [[ ! -f "$REPO_ROOT/module/TcpLbModule.psd1" ]] || ! compgen -G "$REPO_ROOT/module/*.dll" >/dev/null; then
            warn "module/TcpLbModule.psd1 or its assemblies are missing: tcplb and tcplb-hosted are left out of this run"
            CONTENDERS=$(tr ' ' '\n' <<<"$CONTENDERS" | grep -vE '^tcplb' | tr '\n' ' ' | sed 's/ *$//')
        fi
    fi
    { has_contender tcplb || has_contender tcplb-setsid || has_contender tcplb-tls || has_contender tcplb-dash || has_variant; } && resolve_pwsh
    return 0
}

record_commit() {   # read .git without running git
    local head ref
    head=$(cat "$REPO_ROOT/.git/HEAD" 2>/dev/null) || return 0
    if [[ $head == ref:* ]]; then
        ref=${head#ref: }
        if [[ -f "$REPO_ROOT/.git/$ref" ]]; then
            cat "$REPO_ROOT/.git/$ref" >"$RUN_DIR/commit"
        else
            awk -v r="$ref" '$2 == r { print $1 }' "$REPO_ROOT/.git/packed-refs" 2>/dev/null >"$RUN_DIR/commit" || true
        fi
    else
        echo "$head" >"$RUN_DIR/commit"
    fi
}

# ---------------------------------------------------------------------------------------------
# Environment checks
# ---------------------------------------------------------------------------------------------
prepare_env() {
    # Raise the descriptor limit as far as allowed (raising the hard limit needs CAP_SYS_RESOURCE).
    ulimit -Hn "$NOFILE_WANTED" 2>/dev/null || true
    ulimit -n "$NOFILE_WANTED" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    NOFILE=$(ulimit -n)
    # A proxied idle connection costs the proxy two descriptors; keep ~300 for everything else.
    IDLE_EFFECTIVE=$IDLE_COUNT
    if ((2 * IDLE_COUNT + 300 > NOFILE)); then
        IDLE_EFFECTIVE=$(((NOFILE - 300) / 2))
        warn "open-file limit is $NOFILE (hard limit $(ulimit -Hn), cannot be raised here): holding $IDLE_EFFECTIVE idle connections instead of $IDLE_COUNT; the memory figure is also reported scaled to $IDLE_COUNT"
    fi
    PROXY_MAXCONN=$(((NOFILE - 200) / 2))
    ((PROXY_MAXCONN > 30000)) && PROXY_MAXCONN=30000
    NGINX_WORKER_CONNS=$((NOFILE - 100))
    ((NGINX_WORKER_CONNS > 50000)) && NGINX_WORKER_CONNS=50000
    ((PROXY_MAXCONN < 25000)) && warn "HAProxy maxconn is $PROXY_MAXCONN (limited by the open-file limit $NOFILE), not >= 25000"
    local tw range_lo range_hi
    tw=$(sysctl -n net.ipv4.tcp_tw_reuse 2>/dev/null || echo "?")
    read -r range_lo range_hi < <(sysctl -n net.ipv4.ip_local_port_range 2>/dev/null || echo "32768 60999")
    [[ $tw == 0 ]] && warn "net.ipv4.tcp_tw_reuse=0: the new-connection scenario may run out of ephemeral ports"
    if ((BASE_PORT + 290 >= range_lo && BASE_PORT + 81 <= range_hi)); then
        warn "--base-port $BASE_PORT overlaps the ephemeral range $range_lo-$range_hi; pick a lower one"
    fi
    return 0
}

# ---------------------------------------------------------------------------------------------
main() {
    log "run directory: $RUN_DIR"
    install_tools
    build_all
    record_commit
    prepare_env
    check_quiet before
    log "contenders: $CONTENDERS; wrk ${ROUNDS}x${WRK_SECONDS}s per scenario (+${WARMUP_SECONDS}s warm-up), iperf3 ${BULK_ROUNDS}x${IPERF_SECONDS}s per stream count, $IDLE_EFFECTIVE idle"
    start_backends
    run_all
    check_quiet after

    collect_results "$RUN_DIR/results.json"
    cp "$RUN_DIR/results.json" "$RESULTS_DIR/$STAMP.json"
    cp "$RUN_DIR/results.json" "$RESULTS_DIR/latest.json"
    print_report "$RESULTS_DIR/latest.json" | tee "$RUN_DIR/report.txt"
    echo
    log "results: $RESULTS_DIR/latest.json (copy: $RESULTS_DIR/$STAMP.json); logs: $RUN_DIR"
    log "elapsed $(($(date +%s) - STARTED_EPOCH))s"
}

main
