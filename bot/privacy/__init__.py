"""UU PDP 27/2022 rights: what is stored about a person, and erasing it."""
