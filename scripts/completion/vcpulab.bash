# bash completion for vcpulab (installed by `cmake --install` into
# share/bash-completion/completions/vcpulab).  Commands, each command's
# options (read from `vcpulab COMMAND --help`, so they never fall behind),
# policy names after --sched (comma lists too), names after `describe`,
# files after the output options, scenario files elsewhere (plot: the CSV
# and JSON files it reads; import-rtapp: rt-app JSON files).
_vcpulab_names() { "$1" list "$2" 2>/dev/null | awk '{print $1}'; }

_vcpulab() {
    local bin=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=
    local cmd=${COMP_WORDS[1]-}
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    if ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "run compare sweep merge plot import-rtapp list describe validate --help --version" \
                     -- "$cur"))
        return
    fi
    case $prev in
    --sched)
        local done=${cur%,*} last=${cur##*,} p
        [[ $cur == *,* ]] && done=$done, || done=
        for p in $(_vcpulab_names "$bin" policies); do
            [[ $p == "$last"* ]] && COMPREPLY+=("$done$p")
        done
        compopt -o nospace 2>/dev/null
        return ;;
    --json|--csv|--trace|--ftrace|--series|--cdf|--summary|--plot-out|-o|--out)
        COMPREPLY=($(compgen -f -- "$cur"))
        return ;;
    --set|--grid|--seed|--seeds|--duration|-j|--jobs|--plot|--shard|--metric|--x|--where|\
    --title|--xlabel|--ylabel|--vcpus)
        return ;;
    esac
    case $cmd in
    list)
        ((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W "policies workloads" -- "$cur")) ;;
    describe)
        ((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W "guest $(_vcpulab_names "$bin" policies)
            $(_vcpulab_names "$bin" workloads)" -- "$cur")) ;;
    run|compare|sweep|validate|import-rtapp)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$("$bin" "$cmd" --help 2>/dev/null |
                                      grep -oE -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
        else
            local files='!*.@(yaml|yml)'
            [[ $cmd == import-rtapp ]] && files='!*.json'
            COMPREPLY=($(compgen -f -X "$files" -- "$cur") $(compgen -d -- "$cur"))
        fi ;;
    merge|plot)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-o $("$bin" "$cmd" --help 2>/dev/null |
                                         grep -oE -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi ;;
    esac
}
complete -F _vcpulab vcpulab
