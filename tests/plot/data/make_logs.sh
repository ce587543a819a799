#!/bin/sh
# Writes the sample training logs of this folder: four seeds of an NTM on
# the copy task, evaluated every 500 sequences up to 30,000.  Seeds 1, 2 and
# 4 converge: the cost stays near 80 bits per sequence (8-bit vectors of
# length 1 to 20, about one bit per output bit) and then falls to about 0.01
# bits at a seed's own pace.  Seed 3 diverges: its cost falls to about 1 bit,
# climbs back past 80 bits, and its last rows have nan costs, as a run whose
# numbers overflowed writes them.  The noise comes from awk's rand with a
# fixed seed; the logs are checked in, so the tests never run this script.
#
#     make_logs.sh    (run in this folder)
set -eu

write_log() {
    seed=$1 middle=$2 width=$3 diverge=$4
    awk -v seed="$seed" -v middle="$middle" -v width="$width" -v diverge="$diverge" '
    function gauss() { return sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()) }
    function level(s) {
        if (diverge && s > middle)
            return -0.05 + (s - middle) / 9000
        return 1.9 - 3.9 / (1 + exp(-(s - middle) / width))
    }
    BEGIN {
        srand(seed)
        print "sequences,seconds,train_cost_bits,eval_cost_bits,eval_bit_errors,eval_length"
        seconds = 0
        for (s = 500; s <= 30000; s += 500) {
            seconds += 500 * (0.0118 + 0.0012 * rand())
            eval = 10 ^ (level(s) + 0.06 * gauss())
            train = 10 ^ (level(s - 250) + 0.1 * gauss())
            errors = eval < 0.1 ? 0 : eval * (0.42 + 0.05 * rand())
            if (errors > 42)
                errors = 41.5 + rand()
            if (diverge && s > 28500)
                printf "%d,%.2f,nan,nan,%.3f,1-20\n", s, seconds, 41.5 + rand()
            else
                printf "%d,%.2f,%.4g,%.4g,%.3f,1-20\n", s, seconds, train, eval, errors
        }
    }' >"copy_seed$seed.csv"
}

write_log 1 9000 1400 0
write_log 2 12500 1800 0
write_log 3 6000 1500 1
write_log 4 16000 1300 0
