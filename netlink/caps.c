/* Whether this process may change links: CAP_NET_ADMIN in its effective
 * set, read with capget(2) directly so that the daemon needs no libcap.  It
 * lets anycastd refuse to start without the capability instead of failing
 * at its first withdrawal.  It does not try to gain or drop capabilities. */
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include "link.h"

int
nl_can_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	if (!(data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &
	    CAP_TO_MASK(CAP_NET_ADMIN))) {
		errno = EPERM;
		return -1;
	}
	return 0;
}
