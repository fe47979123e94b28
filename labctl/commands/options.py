"""Options most commands share, declared once (`Annotated`, so a command's signature reads as its CLI)."""

from __future__ import annotations

from typing import Annotated

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output (one JSON document).")]
LocalOpt = Annotated[bool, typer.Option("--local", help="The local lab (`labctl up --local`).")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="AWS region (default: your profile's).")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS profile.")]
