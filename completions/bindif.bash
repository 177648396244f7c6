# bash completion for bindif(1)

_bindif()
{
	local cur prev words cword i
	_init_completion || return

	# After the command, complete as that command would.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--)
			_command_offset $((i + 1))
			return
			;;
		-i | --interface | -c | --config | --dns | --explain | --program | --mark)
			((i++))
			;;
		-*) ;;
		*)
			_command_offset $i
			return
			;;
		esac
	done

	case $prev in
	-i | --interface)
		COMPREPLY=($(compgen -W "auto $(command ls /sys/class/net 2>/dev/null)" -- "$cur"))
		return
		;;
	-c | --config)
		_filedir '@(conf)'
		_filedir -d
		return
		;;
	--dns | --explain | --mark)
		return
		;;
	--program)
		COMPREPLY=($(compgen -c -- "$cur"))
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-i --interface -c --config --dns -v
			--verbose --force --kernel --supervise --mark --list
			--explain --program --check -h --help -V --version --' -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -c -- "$cur"))
}
complete -F _bindif bindif
