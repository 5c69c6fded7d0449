# operations pieces (control socket, anycastctl, bird view, metrics, drain)
