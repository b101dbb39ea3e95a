#!/bin/sh
# Fails when src/ uses a function we ban (after curl's list): unbounded
# copies and formatting, and conversions that cannot report errors.
cd "$(dirname "$0")/.."
pat='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll|atof|strncpy|tmpnam|mktemp)[[:space:]]*\('
if grep -rnE "$pat" src tests/unit tests/fuzz --include='*.c' --include='*.h'; then
	echo "banned functions used (see above)"
	exit 1
fi
echo "no banned functions"
