/** The gw release, printed by `gw --version` and sent in `user-agent` to providers. */
export const VERSION = "0.1.0";
