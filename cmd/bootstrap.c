/* bootstrap.c - placeholder until the command lands. */
#include <stdio.h>

#include "cli.h"

int cmd_bootstrap(struct bw_cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	fprintf(stderr, "bulwark: %s: not implemented yet\n", argv[0]);
	return BW_EXIT_FAIL;
}
