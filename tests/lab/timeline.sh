#!/bin/bash
# Draws a failover as the client saw it: a PNG timeline (gnuplot) of every
# query the lab's client sent, one dot per query at its send time, on the
# row of the node that answered it (node a, node b, ...) or on the "lost"
# row, with the story's events (kill, withdrawal, return) as marked lines.
# The top panel is the whole story; below it, one zoom into the failover
# (from the kill to the first answers from the other node) and, when the
# story has a return, one into the return.
#
#   timeline.sh OUT.png TITLE EVENTS LOG...
#
# EVENTS: one line per event, "T_US KIND TEXT...", T_US in CLOCK_REALTIME
# microseconds (the shell's $EPOCHREALTIME without the dot).  KIND is one
# of kill, down (anycast0 down), gone (the upstream lost the route),
# answer (first answer from the next node), start (the server started
# again), up (anycast0 up), back (the upstream has the route again).  The
# first "kill" is time zero.
# LOG: lab-dnsloop -l files ("seq sent_us recv_us answer", recv_us 0 and
# answer "-" for a lost query).  Several logs (a client restarted between
# acts of the story) are drawn on one axis.
# Needs gnuplot (Debian gnuplot-nox).  Prints nothing; exits non-zero if it
# could not draw.
set -euo pipefail

png=${1:?usage: timeline.sh OUT.png TITLE EVENTS LOG...}
title=${2:?usage: timeline.sh OUT.png TITLE EVENTS LOG...}
events=${3:?usage: timeline.sh OUT.png TITLE EVENTS LOG...}
shift 3
(($# > 0)) || { echo "timeline.sh: no client log" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "timeline.sh: gnuplot missing (apt-get install gnuplot-nox)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/anycastd-timeline.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'echo "timeline.sh: line $LINENO failed" >&2' ERR

t0=$(awk '$2 == "kill" { print $1; exit }' "$events")
[[ -n $t0 ]] || { echo "timeline.sh: no kill event in $events" >&2; exit 2; }

# The queries, in ms since the kill: "t_ms row" per node, in one block per
# row (gnuplot's index), rows numbered from the bottom: lost = 0, then the
# nodes in name order.
cat "$@" | awk -v t0="$t0" -v dir="$tmp" '
	NF >= 4 {
		ms = ($2 - t0) / 1000.0
		name = ($3 == 0 || $4 == "-") ? "lost" : $4
		sub(/^node-/, "", name)
		pts[name] = pts[name] sprintf("%.3f\n", ms)
		n[name]++
	}
	END {
		k = 0
		for (name in n) if (name != "lost") names[++k] = name
		# insertion sort: a handful of names
		for (i = 2; i <= k; i++)
			for (j = i; j > 1 && names[j - 1] > names[j]; j--) {
				s = names[j]; names[j] = names[j - 1]; names[j - 1] = s
			}
		printf "%s", pts["lost"] > (dir "/lost.dat")
		print n["lost"] + 0 > (dir "/lost.n")
		for (i = 1; i <= k; i++) {
			printf "%s", pts[names[i]] > (dir "/row" i ".dat")
			printf "%s %d\n", names[i], n[names[i]] > (dir "/rows")
		}
	}'
[[ -s $tmp/rows ]] || { echo "timeline.sh: no answered query in $*" >&2; exit 2; }
lost=$(cat "$tmp/lost.n")
nrows=$(wc -l <"$tmp/rows")

# ms since the kill of the first event of KIND at or after AFTER_MS.
ev() {
	awk -v t0="$t0" -v k="$1" -v after="${2:--1e18}" '
		$2 == k && ($1 - t0) / 1000.0 >= after { printf "%.3f", ($1 - t0) / 1000.0; exit }' "$events"
}
t_answer=$(ev answer 0)
t_up=$(ev up 0)
t_back_answer=
[[ -n $t_up ]] && t_back_answer=$(ev answer "$t_up")
t_end=$(cat "$@" | awk -v t0="$t0" 'NF >= 4 { t = ($2 - t0) / 1000.0; if (t > m) m = t } END { printf "%.3f", m }')
t_begin=$(cat "$@" | awk -v t0="$t0" 'NF >= 4 { t = ($2 - t0) / 1000.0; if (NR == 1 || t < m) m = t } END { printf "%.3f", m }')

# The event lines and their labels, for a panel showing [LO, HI] ms, with
# x = (t - ORIGIN) / SCALE.  Each label sits above the rows, on a height
# of its own (the events of a zoom are milliseconds apart), at the top of
# its line, and ends there: later events get higher labels, so a label
# runs left over the lines of earlier events, which stop below it, and no
# line crosses a text.  Only an event too near the left edge is written
# to the right of its line.  The overview names only the acts (kill,
# start, up).
marks() {
	local lo=$1 hi=$2 which=$3 scale=$4 origin=$5
	awk -v t0="$t0" -v lo="$lo" -v hi="$hi" -v which="$which" -v scale="$scale" \
	    -v origin="$origin" -v top="$nrows" '
	BEGIN {
		colour["kill"] = "#c00000"; colour["down"] = "#e07000"
		colour["gone"] = "#a05000"; colour["answer"] = "#505050"
		colour["start"] = "#007000"; colour["up"] = "#0050c0"
		colour["back"] = "#5030a0"
		j = 0
	}
	{
		t = ($1 - t0) / 1000.0
		if (t < lo || t > hi) next
		if (which == "overview" && $2 != "kill" && $2 != "start" && $2 != "up") next
		text = $0
		sub(/^[^ ]+ [^ ]+ /, "", text)
		gsub(/"/, "\\\"", text)
		x = (t - origin) / scale
		y = top + 0.55 + 0.5 * j++
		side = (t - lo < (hi - lo) * 0.2) ? "left offset 0.4,0" : "right offset -0.4,0"
		printf "set arrow from %.6f, graph 0 to %.6f, first %.2f nohead lw 1.5 dt 2 lc rgb \"%s\" front\n", x, x, y, colour[$2]
		printf "set label \"%s\" at %.6f, first %.2f %s font \",8\" tc rgb \"%s\" front\n", text, x, y, side, colour[$2]
	}' "$events"
}

# How many labels a panel over [LO, HI] carries (for its y range).
nmarks() {
	marks "$@" | grep -c '^set label' || true
}

# One panel: its ranges, marks and the points.  SCALE: 1 for ms, 1000 for
# s; ORIGIN: the x axis' zero, in ms since the kill.
panel() {
	local lo=$1 hi=$2 which=$3 scale=$4 origin=$5 ttl=$6 xl=$7 n
	n=$(nmarks "$lo" "$hi" "$which" "$scale" "$origin")
	echo "unset arrow; unset label"
	echo "set title \"$ttl\" font \",10\""
	echo "set xlabel \"$xl\""
	echo "set yrange [-0.6:$(awk -v r="$nrows" -v n="$n" 'BEGIN { printf "%.2f", r + 0.35 + 0.5 * (n > 0 ? n : 1) }')]"
	echo "set xrange [$(awk -v v="$lo" -v o="$origin" -v s="$scale" 'BEGIN { printf "%.6f", (v - o) / s }'):$(awk -v v="$hi" -v o="$origin" -v s="$scale" 'BEGIN { printf "%.6f", (v - o) / s }')]"
	marks "$lo" "$hi" "$which" "$scale" "$origin"
	local x="((\$1-($origin))/$scale)"
	local plot="plot '$tmp/lost.dat' using $x:(0) with points pt 2 ps 1.2 lw 2 lc rgb '#d00000' title 'lost ($lost)'"
	local i=1 name count col
	while read -r name count; do
		col=$(sed -n "${i}p" <<<"#1f77b4
#2ca02c
#9467bd
#8c564b")
		plot+=", '$tmp/row$i.dat' using $x:($i) with points pt 7 ps 0.6 lc rgb '$col' title 'answered by node $name ($count)'"
		i=$((i + 1))
	done <"$tmp/rows"
	echo "$plot"
}

ytics="set ytics (\"lost\" 0"
i=1
while read -r name _; do
	ytics+=", \"node $name\" $i"
	i=$((i + 1))
done <"$tmp/rows"
ytics+=")"

zooms=0
[[ -n $t_answer ]] && zooms=1
[[ -n $t_back_answer ]] && zooms=2
height=$((zooms ? 700 : 380))
# The multiplot title takes about 20 pixels a line off the top panel.
title_lines=$(awk '{ print split($0, parts, /\\n/) }' <<<"$title")
top=$(awk -v h="$height" -v l="$title_lines" 'BEGIN { printf "%.3f", 1 - (l * 20 + 6) / h }')
{
	echo "set terminal pngcairo size 1000,$height noenhanced font \",9\""
	echo "set output '$png'"
	echo "$ytics"
	echo "set grid xtics"
	echo "set lmargin 10; set rmargin 3"
	echo "set multiplot title \"$title\" font \",11\""
	echo "set key outside top center horizontal font \",9\""
	if ((zooms)); then
		echo "set size 1,$(awk -v t="$top" 'BEGIN { print t - 0.45 }'); set origin 0,0.45"
	else
		echo "set size 1,$top; set origin 0,0"
	fi
	panel "$(awk -v v="$t_begin" 'BEGIN { print v - 100 }')" \
		"$(awk -v v="$t_end" 'BEGIN { print v + 100 }')" overview 1000 0 \
		"the whole story: one dot per query sent, on the row of the node that answered it$( ((zooms == 2)) && echo ' (the client pauses between the acts)')" \
		"seconds since the kill"
	echo "unset key"
	if ((zooms == 1)); then
		echo "set size 1,0.45; set origin 0,0"
	elif ((zooms == 2)); then
		echo "set size 0.5,0.45; set origin 0,0"
	fi
	if ((zooms >= 1)); then
		panel -45 "$(awk -v v="$t_answer" 'BEGIN { print v + 40 }')" zoom 1 0 \
			"zoom: the failover, $lost lost" "ms since the kill"
	fi
	if ((zooms == 2)); then
		echo "set origin 0.5,0"
		panel "$(awk -v v="$t_up" 'BEGIN { print v - 45 }')" \
			"$(awk -v v="$t_back_answer" 'BEGIN { print v + 30 }')" zoom 1 "$t_up" \
			"zoom: the return" "ms since anycast0 went up again"
	fi
	echo "unset multiplot"
} >"$tmp/plot.gp"
gnuplot "$tmp/plot.gp" 2>"$tmp/gnuplot.err" || { cat "$tmp/gnuplot.err" >&2; exit 1; }
if grep -qv '^$' "$tmp/gnuplot.err"; then
	cat "$tmp/gnuplot.err" >&2
fi
[[ -s $png ]]
