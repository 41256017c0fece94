class IntegrationUtils:
    """Builders for the `options` argument of integrations.create/update."""

    @staticmethod
    def generate_ecr_options(
        access_key_id: str, secret_access_key: str, account: str, region: str
    ) -> dict:
        return {
            "name": "AWS",
            "spec": {
                "accessKeyId": access_key_id,
                "secretAccessKey": secret_access_key,
                "account": account,
                "region": region,
            },
        }
