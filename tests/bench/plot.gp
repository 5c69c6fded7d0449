# kill -9 detection distributions, one CDF per checker, log-scale ms.
#   gnuplot -e "dir='OUT'; png='OUT/x.png'; checkers='anycastd shell exabgp'; subtitle='...'" plot.gp
# Reads DIR/CHECKER.kill.cdf: "ms fraction" per detected trial, sorted (run.sh
# writes them); a curve that stays below 1 had timeouts.
set terminal pngcairo size 900,560 noenhanced font ",10"
set output png
set title "kill -9 named -> anycast0 down\n".subtitle
set xlabel "detection time (ms, log scale)"
set ylabel "fraction of trials detected"
set logscale x
set yrange [0:1.05]
set grid xtics mxtics ytics
set key bottom right
plot for [i=1:words(checkers)] dir."/".word(checkers, i).".kill.cdf" \
	using 1:2 with steps lw 2 title word(checkers, i), \
     for [i=1:words(checkers)] dir."/".word(checkers, i).".kill.cdf" \
	using 1:2 with points pt 7 ps 0.6 lc i notitle
