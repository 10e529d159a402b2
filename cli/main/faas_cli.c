/* faas-cli: the FaaS AVS command line (see cli/cli.h and `faas-cli --help`). */
#include "cli.h"

int main(int argc, char **argv) { return cli_main(argc, argv); }
