package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/phonelookup/phonelookup/api"
	"github.com/phonelookup/phonelookup/cmd/internal/app"
	"github.com/phonelookup/phonelookup/internal/termtext"
	"github.com/phonelookup/phonelookup/lookup"
)

// personFlags are the flags of a command that reads or changes a person's
// data: the table and who asks (for the audit line).
type personFlags struct {
	table  tableFlags
	caller string
}

// open finds who asks and wires the app, checking the table.
func (p personFlags) open(ctx context.Context, e proc) (*app.App, string, error) {
	who, err := callerName(e, p.caller)
	if err != nil {
		return nil, "", err
	}
	a, err := buildTable(ctx, e, p.table)
	return a, who, err
}

// userArgs is the argument check of a command with a required --user and
// no arguments.
func userArgs(user *string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := noArgs(c, args); err != nil {
			return err
		}
		return checkUser(*user)
	}
}

func (p *personFlags) add(cmd *cobra.Command, what string) {
	addTableFlags(cmd.Flags(), &p.table)
	cmd.Flags().StringVar(&p.caller, "caller", "", "who asks, for the audit line"+what+" (default: the OS user)")
}

func newFindCmd(e proc) *cobra.Command {
	var p personFlags
	var region string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "find PHONE",
		Short: "the customers linked to PHONE, most recently seen first",
		Long: `find lists the customers linked to PHONE, most recently seen first. --json
prints the API's answer ({"phone","customers","truncated"}). Every search
writes an audit line on stderr.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("want one PHONE, got %d arguments (quote a number with spaces)", len(args))
			}
			return checkRegion(region)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFind(cmd, e, p, args[0], region, asJSON)
		},
	}
	p.add(cmd, "")
	cmd.Flags().StringVar(&region, "region", "", "region of a PHONE written without + (default $PHONE_DEFAULT_REGION)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// checkRegion refuses a --region that is not a region with phone numbers,
// as the API does.
func checkRegion(region string) error {
	if region != "" && !lookup.IsRegion(region) {
		return usagef("--region %q is not a region: give an ISO 3166-1 alpha-2 code of a region with phone numbers (GB, not UK)", region)
	}
	return nil
}

// checkUser refuses a --user that is not a Cognito id.
func checkUser(id string) error {
	if id == "" {
		return usagef("--user ID is required")
	}
	if lookup.ValidateCognitoID(id) != nil {
		return usagef("--user %q is not a Cognito id: 1 to 128 letters, digits and -_.:@+ (like eu-west-1:7f1c2a9e-…)", id)
	}
	return nil
}

func runFind(cmd *cobra.Command, e proc, p personFlags, raw, region string, asJSON bool) error {
	ctx := cmd.Context()
	a, who, err := p.open(ctx, e)
	if err != nil {
		return err
	}
	phone, err := a.Phones.Normalize(raw, region)
	if err != nil {
		return usagef("cannot normalise the phone number: give it with + and the country code, or --region: %w", err)
	}
	found, err := a.Store.Search(ctx, phone, 0)
	// A search is a person's read of personal data: audited, found or not.
	audit(e).Str("command", "find").Str("caller", who).Str("phone", lookup.MaskPhone(phone)).
		Int("results", len(found.Links)).Bool("done", err == nil).Msg(doneOr(err, "phone searched", "phone search failed"))
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(api.SearchAnswer{Phone: phone, Customers: lookup.Views(found.Links), Truncated: found.Truncated})
	}
	fmt.Fprintf(e.stdout, "%s: %d customer(s)\n", phone, len(found.Links))
	if len(found.Links) == 0 {
		return nil
	}
	return writeLinks(e.stdout, "COGNITO ID", found.Links, func(l lookup.Link) string { return l.CognitoID }, false)
}

// writeLinks writes links as a table whose first column is first(link), and
// with state a last column that says whether each is linked or unlinked;
// every field from an event is escaped: an id can hold ESC [2J.
func writeLinks(w io.Writer, head string, links []lookup.Link, first func(lookup.Link) string, state bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	stateHead := ""
	if state {
		stateHead = "\tSTATE"
	}
	fmt.Fprintln(tw, head+"\tLAST SEEN\tLAST ORDER\tFIRST SEEN\tFIRST ORDER\tSOURCES\tVIA"+stateHead)
	for _, l := range links {
		last, lastOrder, firstSeen, firstOrder := lookup.FormatTime(l.LastSeenAt), l.LastOrderID, lookup.FormatTime(l.FirstSeenAt), l.FirstOrderID
		if l.Legacy() { // no order: imported from a legacy lookup record, ranked last
			last, lastOrder, firstSeen, firstOrder = "(legacy record)", "-", "-", "-"
		}
		col := ""
		switch {
		case state && l.Active:
			col = "\tlinked"
		case state:
			col = "\tunlinked"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s%s\n", termtext.Escape(first(l)), last, termtext.Escape(lastOrder),
			firstSeen, termtext.Escape(firstOrder), termtext.Escape(strings.Join(l.Sources, ",")), termtext.Escape(strings.Join(l.Via, ",")), col)
	}
	return tw.Flush()
}

// doneOr is ok when err is nil, else failed: an audit line's message says
// what happened.
func doneOr(err error, ok, failed string) string {
	if err != nil {
		return failed
	}
	return ok
}

func newPhonesCmd(e proc) *cobra.Command {
	var p personFlags
	var user string
	var unlinked, asJSON bool
	cmd := &cobra.Command{
		Use:   "phones --user ID",
		Short: "the phone numbers of a customer, most recently seen first",
		Long: `phones lists the phone numbers linked to a customer, most recently seen
first, read from the table (strongly consistent); unlinked ones only with
--include-unlinked. --json prints the API's answer of
GET /v1/customers/{id}/phones ({"cognitoId","phones"}). Every read writes an
audit line on stderr.`,
		Args: userArgs(&user),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPhones(cmd, e, p, user, unlinked, asJSON)
		},
	}
	p.add(cmd, "")
	cmd.Flags().StringVar(&user, "user", "", "the customer's Cognito id")
	cmd.Flags().BoolVar(&unlinked, "include-unlinked", false, "list unlinked numbers too")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func runPhones(cmd *cobra.Command, e proc, p personFlags, user string, unlinked, asJSON bool) error {
	ctx := cmd.Context()
	a, who, err := p.open(ctx, e)
	if err != nil {
		return err
	}
	links, err := a.Store.ListByCustomer(ctx, user)
	links = lookup.CustomerPhones(links, unlinked) // as the API lists them
	audit(e).Str("command", "phones").Str("caller", who).Str("cognitoId", user).
		Int("results", len(links)).Bool("done", err == nil).Msg(doneOr(err, "customer's phones listed", "customer's phones not listed"))
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(api.PhonesAnswer{CognitoID: user, Phones: api.PhoneViews(links)})
	}
	fmt.Fprintf(e.stdout, "%s: %d phone number(s)\n", termtext.Escape(user), len(links))
	if len(links) == 0 {
		return nil
	}
	return writeLinks(e.stdout, "PHONE", links, func(l lookup.Link) string { return l.Phone }, true)
}

func newUnlinkCmd(e proc) *cobra.Command {
	var p personFlags
	var user, phone, region string
	cmd := &cobra.Command{
		Use:   "unlink --user ID --phone PHONE",
		Short: "hide the link from searches; older events do not bring it back",
		Long: `unlink hides the link between a customer and a phone number from searches;
an event older than the unlink does not bring it back. Exit 1 when there is
no such link. Audited on stderr like find.`,
		Args: func(c *cobra.Command, args []string) error {
			if err := noArgs(c, args); err != nil {
				return err
			}
			if phone == "" {
				return usagef("--phone PHONE is required")
			}
			if err := checkRegion(region); err != nil {
				return err
			}
			return checkUser(user)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runUnlink(cmd, e, p, user, phone, region)
		},
	}
	p.add(cmd, "")
	cmd.Flags().StringVar(&user, "user", "", "the customer's Cognito id")
	cmd.Flags().StringVar(&phone, "phone", "", "the phone number")
	cmd.Flags().StringVar(&region, "region", "", "region of a PHONE written without + (default $PHONE_DEFAULT_REGION)")
	return cmd
}

func runUnlink(cmd *cobra.Command, e proc, p personFlags, user, raw, region string) error {
	ctx := cmd.Context()
	a, who, err := p.open(ctx, e)
	if err != nil {
		return err
	}
	phone, err := a.Phones.Normalize(raw, region)
	if err != nil {
		return usagef("cannot normalise the phone number: give it with + and the country code, or --region: %w", err)
	}
	err = a.Store.Unlink(ctx, user, phone)
	audit(e).Str("command", "unlink").Str("caller", who).Str("cognitoId", user).Str("phone", lookup.MaskPhone(phone)).
		Bool("done", err == nil).Msg(doneOr(err, "link unlinked", "link not unlinked"))
	if err != nil {
		if errors.Is(err, lookup.ErrNotFound) {
			return fmt.Errorf("no link between %s and %s: check with 'phonelookup phones --user %[1]s'", user, lookup.MaskPhone(phone))
		}
		return err
	}
	fmt.Fprintf(e.stdout, "unlinked %s from %s\n", user, phone)
	return nil
}
