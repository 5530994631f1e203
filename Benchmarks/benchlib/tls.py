"""The one certificate every TLS contestant serves: P-256, self-signed, made at bench start."""

import os
import shutil
import subprocess

from .procs import BenchError


def certificate(workdir):
    """(chain path, key path) under workdir/tls, made with openssl on first use."""
    tls_dir = os.path.join(workdir, "tls")
    chain, key = os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem")
    if os.path.exists(chain) and os.path.exists(key):
        return chain, key
    openssl = shutil.which("openssl")
    if openssl is None:
        raise BenchError("the TLS scenarios need openssl to make their certificate (apt-get install openssl)")
    os.makedirs(tls_dir, exist_ok=True)
    # 30 days: `cors-gateway check` warns about a certificate that expires within 14.
    argv = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", chain, "-days", "30", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise BenchError(f"making the benchmark certificate failed: `{' '.join(argv)}`:\n{result.stdout}")
    return chain, key
