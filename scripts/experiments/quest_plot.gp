# quest_plot.gp - docs/data/quest-b.png from the CSVs of quest_windows.py (run from the
# repository root: gnuplot scripts/experiments/quest_plot.gp)
if (!exists("dir")) dir = "docs/data"  # where the CSVs are and the PNG goes: gnuplot -e "dir='OUT'"
set datafile separator ","
set terminal pngcairo size 900,420
set output dir."/quest-b.png"
set multiplot layout 1,2
set title "quest-b, PIBS: CPU share per window"
set xlabel "time (s, scaled /10)"; set ylabel "share of the pCPU"
set key top left
set yrange [0:0.25]
plot for [vm in "vcpu0 vcpu1 vcpu2 vcpu3 host"] sprintf("< grep ',%s,' %s/quest-b-quest.csv", vm, dir) using 1:3 with steps title vm
set title "quest-b: iperf UDP Mbit/s per window"
set ylabel "Mbit/s"; set yrange [0:22]
plot "< grep ',iperf,' ".dir."/quest-b-quest.csv" using 1:5 with steps title "PIBS", \
     "< grep ',iperf,' ".dir."/quest-b-quest-sporadic.csv" using 1:5 with steps title "sporadic server", \
     "< grep ',iperf,' ".dir."/quest-b-credit.csv" using 1:5 with steps title "credit"
unset multiplot
