import { Button } from "@mantine/core";
import { Link } from "react-router";
import { usePageTitle } from "../components/PageHeader.tsx";
import { Empty } from "../components/States.tsx";

export function NotFoundPage() {
  usePageTitle("Not found");
  return (
    <Empty title="There is nothing at this address">
      <Button component={Link} to="/" variant="light" mt="md">
        Go to the actions
      </Button>
    </Empty>
  );
}
