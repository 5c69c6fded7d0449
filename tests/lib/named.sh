# named_options DIR ADDR4 ADDR6 [PORT]: the options of an authoritative-only
# named for a test, on stdout: its files in DIR (none in /run or /etc, so
# runs never meet), listening on PORT (53) of ADDR4 and ADDR6 (each a
# list ending in ';', or "none;"), no recursion, validation or NOTIFY;
# and an empty controls block, so that it reads no rndc key (FACTS.md).
# Sourced, not run.
named_options() {
	cat <<EOT
options {
	directory "$1";
	pid-file none;
	session-keyfile "$1/session.key";
	managed-keys-directory "$1";
	listen-on port ${4:-53} { $2 };
	listen-on-v6 port ${4:-53} { $3 };
	recursion no;
	dnssec-validation no;
	notify no;
};
controls { };
EOT
}
