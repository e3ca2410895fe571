# A store of its own for each `terraform test` run: a new data directory
# under .terraform (which version control ignores), deleted when the test
# destroys what it created. The test's provider block points data_dir at
# it, so the run never touches the store of `terraform apply`.

resource "terraform_data" "store" {
  # abspath resolves against the directory Terraform runs in (after
  # -chdir), where the test keeps .terraform; path.cwd would not.
  input = "${abspath(".terraform")}/idp-test/${uuid()}"

  lifecycle {
    ignore_changes = [input]
  }

  provisioner "local-exec" {
    when    = destroy
    command = "rm -rf \"$STORE\""
    environment = {
      STORE = self.output
    }
  }
}

output "data_dir" {
  value = terraform_data.store.output
}
