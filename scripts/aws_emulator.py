"""A local AWS for trying the ECR checks by hand: moto's server with IAM enforced, a repository
with an image, and four IAM users whose keys show each check result.

    make aws-emulator            # terminal 1: prints keys, runs until Ctrl-C
    AWS_ENDPOINT_URL=http://127.0.0.1:5000 make run    # terminal 2

Uses the same helpers as the test suite (tests/fixtures/aws/)."""

import argparse
import tempfile
from pathlib import Path

from tests.fixtures.aws import (
    ECR_PULL_ACTIONS,
    OTHER_ACCOUNT_ID,
    REGION,
    REPOSITORY,
    MotoServer,
    start_moto,
    stop_process,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000)
    port = parser.parse_args().port
    url, process, log_path = start_moto(Path(tempfile.mkdtemp(prefix="moto-")), port)
    server = MotoServer(url=url, process=process, log_path=log_path)
    try:
        image = server.push_image()
        users = {
            "Verified (all checks pass)": server.create_user(ECR_PULL_ACTIONS, name="ecr-puller"),
            "No ecr:GetAuthorizationToken": server.create_user(name="no-ecr"),
            "Token only (repository check fails)": server.create_user(
                ["ecr:GetAuthorizationToken"], name="token-only"
            ),
            f"Keys of account {OTHER_ACCOUNT_ID}": server.create_user(
                ECR_PULL_ACTIONS, account_id=OTHER_ACCOUNT_ID, name="elsewhere"
            ),
        }
        print(f"moto (IAM enforced) on {url}; log: {log_path}")
        print(f"Image: {image.uri}   (enter {REPOSITORY} as 'Repository to check')")
        print(f"Account: 123456789012   Region: {REGION}\n")
        for label, keys in users.items():
            print(f"{label}:\n  Access Key ID      {keys.access_key_id}")
            print(f"  Secret Access Key  {keys.secret_access_key}\n")
        print(f"Now run, in another terminal:  AWS_ENDPOINT_URL={url} make run")
        print("Ctrl-C stops the emulator.")
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_process(process)


if __name__ == "__main__":
    main()
