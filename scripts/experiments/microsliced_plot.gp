# microsliced_plot.gp - docs/data/microsliced-pool-vips.png from the CSV of
# microsliced_pool.py (run from the repository root:
# gnuplot scripts/experiments/microsliced_plot.gp)
if (!exists("dir")) dir = "docs/data"  # where the CSVs are and the PNG goes: gnuplot -e "dir='OUT'"
set datafile separator ","
set terminal pngcairo size 900,420
set output dir."/microsliced-pool-vips.png"
set title "microsliced-vips, dynamic pool: micro cores and yields per 90 ms window"
set xlabel "time (s)"
set ylabel "micro cores (mean over the window)"
set y2label "yields per window"
set yrange [0:4]
set y2range [0:*]
set ytics nomirror
set y2tics
set key top left
plot dir."/microsliced-pool-vips.csv" using 1:2 with steps lw 2 title "micro cores", \
     "" using 1:3 axes x1y2 with steps title "IPI-sender yields", \
     "" using 1:4 axes x1y2 with steps title "lock-spin yields"
